package org.oxen.x86.machine.internal;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.oxen.x86.api.device.DeviceFactory;
import org.oxen.x86.machine.BootImage;
import org.oxen.x86.machine.Machine;
import org.oxen.x86.machine.MachineDescription;
import org.oxen.x86.machine.MachineException;
import org.oxen.x86.machine.MachineState;
import org.oxen.x86.machine.Machines;

/**
 * The {@link Machines} service: builds boards from the device factories registered now.
 *
 * <p>Design: factories bind dynamically and greedily (keyed by {@code oxen.device.name}; the
 * highest {@code service.ranking}, then the lowest service id, wins a type). A board asks for
 * its factories once, while it is built, and keeps the device instances: updating a device
 * bundle never touches a running machine, and the next machine gets the new factory.
 *
 * <p>Locking: the factory and machine maps are concurrent; boards are built on the caller's
 * thread and run on their own.
 */
@Component(service = Machines.class, immediate = true)
public final class MachineManager implements Machines {

    private record Bound(String name, int ranking, long serviceId, DeviceFactory factory) {
    }

    private final Map<DeviceFactory, Bound> factories = new ConcurrentHashMap<>();
    private final Map<Integer, Board> machines = new ConcurrentSkipListMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final AtomicLong nextLocalId = new AtomicLong(Long.MAX_VALUE / 2);
    /** How long removing a machine (or stopping the bundle) waits for a machine's thread to end. */
    static final java.time.Duration END_WAIT = java.time.Duration.ofSeconds(10);

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addFactory(DeviceFactory factory, Map<String, Object> props) {
        Object name = props.get(DeviceFactory.NAME);
        if (name == null) {
            return; // not a usable device type
        }
        Object rank = props.get(Constants.SERVICE_RANKING);
        Object sid = props.get(Constants.SERVICE_ID);
        factories.put(factory, new Bound(String.valueOf(name), rank instanceof Integer r ? r : 0,
                sid instanceof Long l ? l : nextLocalId.incrementAndGet(), factory));
    }

    void removeFactory(DeviceFactory factory, Map<String, Object> props) {
        factories.remove(factory);
    }

    /** Registers a factory outside OSGi (tests). */
    public void addFactory(String name, DeviceFactory factory) {
        factories.put(factory, new Bound(name, 0, nextLocalId.incrementAndGet(), factory));
    }

    /**
     * The bundle stops: every machine stops, its thread ends before the classes go away, and its
     * RAM goes back to the host (a machine whose thread does not end within the wait keeps it
     * until a GC: the Cleaner's safety net).
     */
    @Deactivate
    void deactivate() {
        for (Board b : machines.values()) {
            b.stop();
        }
        for (Board b : machines.values()) {
            try {
                b.release(END_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        machines.clear();
    }

    /** The factory of each type now: the highest ranking, then the lowest service id. */
    Map<String, DeviceFactory> snapshot() {
        Map<String, Bound> best = new TreeMap<>();
        Comparator<Bound> order = Comparator.comparingInt((Bound b) -> -b.ranking()).thenComparingLong(Bound::serviceId);
        for (Bound b : factories.values()) {
            best.merge(b.name(), b, (x, y) -> order.compare(x, y) <= 0 ? x : y);
        }
        Map<String, DeviceFactory> snap = new TreeMap<>();
        best.forEach((name, b) -> snap.put(name, b.factory()));
        return snap;
    }

    @Override
    public Machine boot(MachineDescription description, BootImage image, OutputStream session) {
        if (description == null || image == null) {
            throw new MachineException("boot needs a machine description and an image");
        }
        int id = nextId.getAndIncrement();
        Board b = Board.createChecked(id, description, image, session, snapshot(), heldByEndedMachines());
        b.heapNote(this::heldByEndedMachines);
        machines.put(id, b);
        b.start();
        return b;
    }

    /** Builds a machine without starting it (tests and benchmarks run it with {@link Board#runHere()}). */
    Board build(MachineDescription description, BootImage image, OutputStream session) {
        return Board.createChecked(nextId.getAndIncrement(), description, image, session, snapshot(),
                heldByEndedMachines());
    }

    /**
     * Ended machines keep their image in the Java heap and the RAM pages they used in host
     * memory (their consoles and state stay readable until {@code machine remove}); when a new
     * machine does not fit the heap, their images are named as the reason.
     */
    String heldByEndedMachines() {
        StringBuilder ids = new StringBuilder();
        long bytes = 0;
        for (Board b : machines.values()) {
            if (b.state() != MachineState.RUNNING) {
                ids.append(ids.length() == 0 ? "" : ", ").append(b.id());
                bytes += b.heapBytes();
            }
        }
        return ids.length() == 0 ? "" : "; ended machines " + ids +  " still hold " + ((bytes + (1 << 20) - 1) >> 20)
                + " MiB of it in their images until removed ('machine remove <id>')";
    }

    @Override
    public List<Machine> list() {
        return new ArrayList<>(machines.values());
    }

    @Override
    public Machine get(int id) {
        return machines.get(id);
    }

    /**
     * Forgets an ended machine and gives its RAM back to the host at once: after its thread has
     * ended (the state turns before the thread closes the devices; this waits for it, at most
     * {@link #END_WAIT}), so no CPU can run on the released RAM.
     */
    @Override
    public boolean remove(int id) {
        Board b = machines.get(id);
        if (b == null || b.state() == MachineState.RUNNING) {
            return false;
        }
        try {
            if (!b.release(END_WAIT)) {
                return false; // its thread is still closing devices: not forgotten, try again
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return machines.remove(id, b);
    }

    @Override
    public List<String> deviceTypes() {
        TreeSet<String> names = new TreeSet<>();
        factories.values().forEach(b -> names.add(b.name()));
        return new ArrayList<>(names);
    }
}
