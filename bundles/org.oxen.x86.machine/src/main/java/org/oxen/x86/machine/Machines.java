package org.oxen.x86.machine;

import java.io.OutputStream;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The board as a service: boots images on bare machines and keeps track of them.
 *
 * <p>Devices come from the {@code DeviceFactory} services registered at boot time; a machine
 * keeps the device instances it created for its whole life, even if a device bundle is
 * updated meanwhile (new machines then use the new factory).
 */
@ProviderType
public interface Machines {

    /**
     * Builds a machine from {@code description}, loads {@code image} and starts it on its own
     * thread.
     *
     * @param session where a device console with spec {@code gogo} writes (the session that
     *     started the machine), or {@code null} if there is none
     * @throws MachineException if the description or the image is wrong (unknown device type,
     *     overlapping ports, bad option, neither multiboot ELF nor ROM); nothing is started
     */
    Machine boot(MachineDescription description, BootImage image, OutputStream session);

    /** {@link #boot(MachineDescription, BootImage, OutputStream)} without a session. */
    default Machine boot(MachineDescription description, BootImage image) {
        return boot(description, image, null);
    }

    /** Every machine of this framework, running or ended, by id. */
    List<Machine> list();

    /** The machine with {@code id}, or {@code null}. */
    Machine get(int id);

    /**
     * Forgets an ended machine (the list keeps ended machines until then) and gives its RAM back
     * to the host at once, after its thread has ended; false if it runs, is unknown, or its
     * thread is still ending after a wait of seconds (try again).
     */
    boolean remove(int id);

    /** The device types available now ({@code oxen.device.name} of the registered factories). */
    List<String> deviceTypes();
}
