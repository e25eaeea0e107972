package org.oxen.x86.api.device;

import org.osgi.annotation.versioning.ProviderType;
import org.oxen.x86.api.InterruptController;
import org.oxen.x86.api.InterruptLine;

/**
 * The machine's interrupt wiring, provided by the board (a ready implementation is
 * {@code org.oxen.x86.bus.Interrupts}).
 *
 * <ul>
 * <li>Devices raise interrupts on {@link #line(int)}: ISA IRQ 0..15 and GSIs beyond. Each line
 *     fans out to every attached {@link InterruptSink}, so the 8259A pair and the I/O APIC both
 *     see ISA IRQs (the I/O APIC maps ISA IRQ 0 to its pin 2, like the PC's ACPI override).</li>
 * <li>Interrupt controllers register their roles at create time: inputs
 *     ({@link #attach(InterruptSink)}), the 8259A pair as {@link #setLegacyController legacy
 *     controller}, local APICs per CPU ({@link #setLocalApic}), the {@link ApicBus}.</li>
 * <li>The board connects each CPU's INTR pin with {@link #connectCpu}; the router wires the
 *     controller outputs: each local APIC to its CPU and the 8259A's INTR to every local APIC's
 *     LINT0, or, without local APICs, the 8259A to CPU 0. It rewires on every registration, so
 *     the order of devices and of {@code connectCpu} does not matter. {@link #controllerFor(int)}
 *     is the controller whose {@code acknowledge} the CPU calls.</li>
 * </ul>
 */
@ProviderType
public interface InterruptRouter {

    /** The line of ISA IRQ / GSI {@code irq} (0..255); the same object on every call. */
    InterruptLine line(int irq);

    /** Attaches a controller's inputs; it is told the current level of every line that is high. */
    void attach(InterruptSink sink);

    /** Detaches a controller's inputs. */
    void detach(InterruptSink sink);

    /** Broadcasts a level-triggered EOI from a local APIC to every sink. */
    void broadcastEoi(int vector);

    /**
     * (1.4) A local APIC's CPU acknowledged (INTA) {@code vector} from its IRR: every sink is
     * told ({@link InterruptSink#acknowledged}), and an I/O APIC names the lines it delivers
     * that vector for with {@link #lineAcknowledged}.
     */
    void broadcastAcknowledge(int vector);

    /**
     * (1.4) A CPU acknowledged an interrupt that line {@code irq} raised: the 8259A pair at its
     * INTA cycle of that IRQ, an I/O APIC at the local APIC's INTA of a vector one of its pins
     * delivers. Runs the line's acknowledge listener, if any. Xen's {@code pt_intr_post}: a
     * periodic device that owes ticks raises the next one here.
     */
    void lineAcknowledged(int irq);

    /**
     * (1.4) The listener {@link #lineAcknowledged} runs for line {@code irq} (0..255), the one
     * the line's driver sets; {@code null} removes it.
     */
    void setAckListener(int irq, Runnable listener);

    /** Registers the 8259A pair (the ExtINT source). */
    void setLegacyController(InterruptController pic);

    /** The 8259A pair, or {@code null} if the machine has none. */
    InterruptController legacyController();

    /** Registers CPU {@code cpu}'s local APIC ({@code null} removes it). */
    void setLocalApic(int cpu, LocalApic apic);

    /** CPU {@code cpu}'s local APIC, or {@code null} if the machine has none. */
    LocalApic localApic(int cpu);

    /**
     * The controller driving CPU {@code cpu}'s INTR pin: its local APIC if one is registered,
     * else for CPU 0 the 8259A pair, else {@code null} (the CPU never sees external interrupts).
     */
    InterruptController controllerFor(int cpu);

    /**
     * The NMI mask of the PC (bit 7 written to the RTC index port): while set, the board
     * holds back non-maskable interrupts from the chipset (IOCHK, parity). Initially clear.
     */
    void setNmiMasked(boolean masked);

    /** See {@link #setNmiMasked(boolean)}. */
    boolean nmiMasked();

    /**
     * Connects CPU {@code cpu}'s INTR pin: the controller returned by {@link #controllerFor(int)}
     * drives it from now on (a CPU without a controller sees it low).
     */
    void connectCpu(int cpu, InterruptLine intr);

    /** Registers the APIC bus (the local APIC device does). */
    void setApicBus(ApicBus bus);

    /** The APIC bus, or {@code null} if the machine has no local APICs. */
    ApicBus apicBus();
}
