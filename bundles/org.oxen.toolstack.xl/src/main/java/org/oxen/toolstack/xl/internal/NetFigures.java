package org.oxen.toolstack.xl.internal;

/**
 * A domain's network figures for xl top (xentop's NETS, NETTX, NETRX), provided by
 * {@link VifFigures} when the virtual switch is in the runtime. An interface of the toolstack's
 * own, so the toolstack imports the switch's package only optionally.
 */
interface NetFigures {

    /** @param vifs the domain's vifs on a bridge; tx/rx bytes as the domain sees them */
    record Totals(int vifs, long txBytes, long rxBytes) {
        static final Totals NONE = new Totals(0, 0, 0);
    }

    Totals domain(int domid);
}
