package org.oxen.vmm.core;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.oxen.guests.GuestImages;
import org.oxen.sched.credit.CreditFactory;
import org.oxen.sched.rr.RoundRobinFactory;
import org.oxen.vmm.api.Domain;
import org.oxen.vmm.api.DomainConfig;

/**
 * Scheduler benchmarks on real PV domains (not tests: no timed assertions), run with
 * {@code mvn -o test -pl bundles/org.oxen.vmm.core -Dtest=SchedBenchmark -Doxen.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints the figures of
 * docs/PERFORMANCE.md and writes docs/figure5-credit-weights.png
 * (system property {@code oxen.figure5.png} overrides the path).
 */
@EnabledIfSystemProperty(named = "oxen.bench", matches = "true")
class SchedBenchmark {

    static final String ENDLESS = "loop=1000000000 mix=2"; // ~6e9 instructions: never done in a run

    static Domain bench(Vmm vmm, String name, int mib) throws Exception {
        return vmm.create(DomainConfig.builder(name).kernel(GuestImages.load(GuestImages.Flavor.PV, "cpubench"))
                .memoryMiB(mib).cmdline(ENDLESS).startPaused(true).build());
    }

    /**
     * The paper's Figure 5: four cpubench domains with Credit weights 128:256:512:1024 on a
     * one-pCPU pool for a fixed time; work = guest instructions retired per domain.
     */
    @Test
    void figure5() throws Exception {
        long seconds = Long.getLong("oxen.figure5.seconds", 20);
        int[] weights = {128, 256, 512, 1024};
        Vmm vmm = new Vmm(128L << 20, 1, new CreditFactory());
        try {
            List<Domain> ds = new ArrayList<>();
            for (int i = 0; i < weights.length; i++) {
                Domain d = bench(vmm, "w" + weights[i], 8);
                vmm.setSchedulerParams(d.id(), Map.of("weight", String.valueOf(weights[i])));
                ds.add(d);
            }
            for (Domain d : ds) vmm.unpause(d.id());
            Thread.sleep(seconds * 1000);
            for (Domain d : ds) vmm.pause(d.id());
            long totalInsns = 0, totalWeight = 0, totalCpu = 0;
            for (int i = 0; i < ds.size(); i++) {
                totalInsns += ds.get(i).vcpus().get(0).instructions();
                totalCpu += ds.get(i).cpuTimeNanos();
                totalWeight += weights[i];
            }
            double[] measured = new double[ds.size()], ideal = new double[ds.size()];
            System.out.printf("figure5: %d s, 1 pCPU, credit; %.1f M guest instructions in all%n", seconds,
                    totalInsns / 1e6);
            System.out.println("| domain | weight | instructions (M) | share of work | ideal share | CPU time share | work/ideal |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (int i = 0; i < ds.size(); i++) {
                Domain d = ds.get(i);
                long insns = d.vcpus().get(0).instructions();
                measured[i] = (double) insns / totalInsns;
                ideal[i] = (double) weights[i] / totalWeight;
                System.out.printf("| %s | %d | %.1f | %.3f | %.3f | %.3f | %.2f |%n", d.name(), weights[i], insns / 1e6,
                        measured[i], ideal[i], (double) d.cpuTimeNanos() / totalCpu, measured[i] / ideal[i]);
            }
            for (Domain d : ds) vmm.destroy(d.id());
            String path = System.getProperty("oxen.figure5.png",
                    new File(System.getProperty("maven.multiModuleProjectDirectory", "../.."), "docs/figure5-credit-weights.png")
                            .getPath());
            plot(new File(path), weights, measured, ideal, seconds);
            System.out.println("figure5: wrote " + new File(path).getCanonicalPath());
        } finally {
            vmm.shutdown();
        }
    }

    /** A bar chart: measured share of work beside the ideal (weight) share, per domain. */
    static void plot(File out, int[] weights, double[] measured, double[] ideal, long seconds) throws Exception {
        System.setProperty("java.awt.headless", "true");
        int w = 640, h = 400, left = 70, bottom = 60, top = 50, right = 20;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double max = 0.6;
        int plotH = h - top - bottom, plotW = w - left - right;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("oxen Figure 5: Credit weights on one pCPU (" + seconds + " s, cpubench)", left, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setStroke(new BasicStroke(1));
        for (int t = 0; t <= 6; t++) {
            double v = t * 0.1;
            int y = top + plotH - (int) (v / max * plotH);
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(left, y, w - right, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.0f%%", v * 100), left - 40, y + 4);
        }
        g.drawLine(left, top, left, top + plotH);
        g.drawLine(left, top + plotH, w - right, top + plotH);
        int groupW = plotW / weights.length, barW = groupW / 3;
        for (int i = 0; i < weights.length; i++) {
            int x0 = left + i * groupW + groupW / 6;
            int hm = (int) (measured[i] / max * plotH), hi = (int) (ideal[i] / max * plotH);
            g.setColor(new Color(0x3366CC));
            g.fillRect(x0, top + plotH - hm, barW, hm);
            g.setColor(new Color(0xBBBBBB));
            g.fillRect(x0 + barW, top + plotH - hi, barW, hi);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.1f%%", measured[i] * 100), x0, top + plotH - hm - 4);
            g.drawString("weight " + weights[i], x0, top + plotH + 18);
        }
        g.setColor(new Color(0x3366CC));
        g.fillRect(left, h - 25, 12, 12);
        g.setColor(Color.BLACK);
        g.drawString("measured share of work (guest instructions)", left + 16, h - 15);
        g.setColor(new Color(0xBBBBBB));
        g.fillRect(left + 330, h - 25, 12, 12);
        g.setColor(Color.BLACK);
        g.drawString("ideal share (weight / total)", left + 346, h - 15);
        g.dispose();
        out.getParentFile().mkdirs();
        ImageIO.write(img, "png", out);
    }

    /**
     * The pause domains see during a hot-swap: 128 running cpubench domains in Pool-0 (2 pCPUs);
     * Credit leaves (they move to RR), then comes back (they move back).
     */
    @Test
    void hotSwapPause128() throws Exception {
        int n = Integer.getInteger("oxen.swap.domains", 128);
        Vmm vmm = new Vmm((long) (n * 4 + 64) << 20, 2);
        CreditFactory credit = new CreditFactory();
        RoundRobinFactory rr = new RoundRobinFactory();
        try {
            vmm.addScheduler(credit, true, 1000);
            vmm.addScheduler(rr, false, 0);
            List<Domain> ds = new ArrayList<>();
            for (int i = 0; i < n; i++) ds.add(bench(vmm, "s" + i, 4));
            for (Domain d : ds) vmm.unpause(d.id());
            Thread.sleep(2000);
            int rounds = Integer.getInteger("oxen.swap.rounds", 20);
            long[][] outs = new long[rounds][], backs = new long[rounds][];
            for (int round = 0; round < rounds; round++) {
                vmm.removeScheduler(credit);
                outs[round] = vmm.schedCore().lastSwap();
                Thread.sleep(200);
                vmm.addScheduler(credit, true, 1000);
                backs[round] = vmm.schedCore().lastSwap();
                Thread.sleep(200);
            }
            System.out.println("| swap | domains | rounds | pause of every domain (whole switch), ms: min | median | p90 | max |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (long[][] r : new long[][][] {outs, backs}) {
                double[] ms = java.util.Arrays.stream(r).mapToDouble(x -> x[0] / 1e6).sorted().toArray();
                System.out.printf("| %s | %d | %d | %.2f | %.2f | %.2f | %.2f |%n", r == outs ? "credit -> rr (Credit bundle leaves)"
                        : "rr -> credit (Credit returns)", r[0][3], rounds, ms[0], ms[ms.length / 2],
                        ms[(int) (ms.length * 0.9)], ms[ms.length - 1]);
            }
            if (vmm.internalErrors() != 0 || vmm.list().size() != n) throw new AssertionError("domains lost");
            for (Domain d : ds) vmm.destroy(d.id());
        } finally {
            vmm.shutdown();
        }
    }
}
