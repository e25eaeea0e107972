package org.oxen.storage.command;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.oxen.storage.api.AccessMode;
import org.oxen.storage.api.BlockImage;
import org.oxen.storage.api.BlockImageProvider;
import org.oxen.storage.api.ImageSpec;
import org.oxen.vmm.api.jobs.Job;
import org.oxen.vmm.api.jobs.Jobs;

/**
 * The {@code oxen-img} command in Gogo, qemu-img's words for what the storage providers do:
 *
 * <pre>
 * oxen-img info &lt;file&gt;
 * oxen-img create [-f FMT] [-b BACKING -F BACKING_FMT] [-o NAME=VALUE[,...]] &lt;file&gt; &lt;size&gt;
 * oxen-img formats
 * </pre>
 * {@code info} detects the format as qemu-img does (a provider that recognises the header, else
 * raw). Sizes take k, M, G, T suffixes (powers of 1024). Errors are one line on stderr; the exit
 * status goes to the session variable {@code oxen-img.status} and to the runtime's status sinks.
 *
 * <p>Locking: the provider list is copy-on-write (DS dynamic reference); commands hold no state.
 */
@Component(service = Function.class, immediate = true,
        property = {"osgi.command.scope=oxen", "osgi.command.function=oxen-img"})
public final class OxenImgCommand implements Function {
    static final String USAGE = String.join("\n",
            "usage: oxen-img info <file>",
            "       oxen-img create [-f FMT] [-b BACKING -F BACKING_FMT] [-o NAME=VALUE[,...]] <file> <size>",
            "       oxen-img formats");

    private final List<BlockImageProvider> providers = new CopyOnWriteArrayList<>();

    /** Exit statuses for the runtime's process status ({@code oxen.command.status=true}). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(oxen.command.status=true)")
    volatile List<IntConsumer> statusSinks = List.of();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addProvider(BlockImageProvider p) {
        providers.add(p);
    }

    void removeProvider(BlockImageProvider p) {
        providers.remove(p);
    }

    /** For DS. */
    public OxenImgCommand() {
    }

    /** Outside a framework, over these providers. */
    OxenImgCommand(BlockImageProvider... ps) {
        providers.addAll(List.of(ps));
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        List<String> args = arguments.stream().map(String::valueOf).toList();
        int status = run(args, session.getConsole(), System.err);
        session.getConsole().flush();
        session.put("oxen-img.status", status);
        statusSinks.forEach(s -> s.accept(status));
        return null;
    }

    /** Runs one command; returns its exit status (0 success, 1 failure). */
    int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("-h")) {
            (args.isEmpty() ? err : out).println(USAGE);
            return args.isEmpty() ? 1 : 0;
        }
        try {
            switch (args.get(0)) {
                case "info" -> info(args.subList(1, args.size()), out);
                case "create" -> create(args.subList(1, args.size()), out);
                case "formats" -> providers.stream().map(BlockImageProvider::format).sorted().forEach(out::println);
                default -> throw new UsageException("unknown subcommand '" + args.get(0) + "'");
            }
            return 0;
        } catch (UsageException e) {
            err.println("oxen-img: " + e.getMessage());
            err.println(USAGE);
        } catch (NoSuchFileException e) {
            err.println("oxen-img: " + e.getFile() + ": no such file");
        } catch (IOException | IllegalArgumentException e) {
            err.println("oxen-img: " + e.getMessage());
        }
        return 1;
    }

    private void info(List<String> args, PrintStream out) throws IOException {
        if (args.size() != 1) {
            throw new UsageException("info takes one file");
        }
        Path file = Path.of(args.get(0));
        BlockImageProvider p = detect(file);
        try (BlockImage img = p.open(file, AccessMode.READ_ONLY)) {
            out.println("image: " + file);
            out.println("file format: " + img.format());
            out.println("virtual size: " + human(img.size()) + " (" + img.size() + " bytes)");
            out.println("file length: " + human(Files.size(file)));
            Map<String, String> d = img.details();
            if (d.containsKey("cluster_size")) {
                out.println("cluster_size: " + d.get("cluster_size"));
            }
            if (d.containsKey("backing file")) {
                out.println("backing file: " + d.get("backing file"));
                out.println("backing file format: " + d.get("backing file format"));
            }
            List<String> rest = new ArrayList<>();
            d.forEach((k, v) -> {
                if (!k.equals("cluster_size") && !k.startsWith("backing file")) {
                    rest.add("    " + k + ": " + v);
                }
            });
            if (!rest.isEmpty()) {
                out.println("Format specific information:");
                rest.forEach(out::println);
            }
        }
    }

    private void create(List<String> args, PrintStream out) throws IOException {
        String fmt = "raw";
        String backing = null;
        String backingFmt = null;
        List<String> opts = new ArrayList<>();
        List<String> pos = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "-f", "-b", "-F", "-o" -> {
                    if (i + 1 >= args.size()) {
                        throw new UsageException("option " + a + " needs a value");
                    }
                    String v = args.get(++i);
                    switch (a) {
                        case "-f" -> fmt = v;
                        case "-b" -> backing = v;
                        case "-F" -> backingFmt = v;
                        default -> opts.addAll(List.of(v.split(",")));
                    }
                }
                default -> {
                    if (a.startsWith("-")) {
                        throw new UsageException("unknown option " + a);
                    }
                    pos.add(a);
                }
            }
        }
        if (pos.size() != 2) {
            throw new UsageException("create takes a file and a size");
        }
        if (backing != null && backingFmt == null) {
            throw new UsageException("a backing file needs its format (-F raw|qcow2), as qemu-img asks");
        }
        ImageSpec spec = ImageSpec.ofSize(size(pos.get(1)));
        if (backing != null) {
            spec = spec.withBacking(backing, backingFmt);
        }
        boolean full = false;
        for (String o : opts) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("option '" + o + "' is not NAME=VALUE");
            }
            String name = o.substring(0, eq), value = o.substring(eq + 1);
            if (name.equals("preallocation")) { // the command's, for every format: qemu-img's off and full
                if (!value.equals("off") && !value.equals("full")) {
                    throw new UsageException("preallocation=" + value + ": oxen-img knows off and full");
                }
                full = value.equals("full");
                continue;
            }
            spec = spec.withOption(name, value);
        }
        Path file = Path.of(pos.get(0));
        out.println("Formatting '" + file + "', fmt=" + fmt + " size=" + spec.size()
                + (backing == null ? "" : " backing_file=" + backing + " backing_fmt=" + backingFmt)
                + (full ? " preallocation=full" : ""));
        try (BlockImage img = provider(fmt).create(file, spec)) {
            if (full) preallocate(img, file, out);
        }
    }

    /**
     * preallocation=full: zeros written over the whole virtual size (qemu-img's full
     * preallocation: every block allocated in the file), a flush at the end; progress in the
     * {@link Jobs} service and a line each tenth, as qemu-img -p prints it.
     */
    private void preallocate(BlockImage img, Path file, PrintStream out) throws IOException {
        long size = img.size();
        ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
        Jobs j = jobs;
        Job job = j == null ? null : j.start("image create", file.toString(), size);
        try {
            int tenths = 0;
            for (long off = 0; off < size; ) {
                int n = (int) Math.min(zeros.capacity(), size - off);
                zeros.clear().limit(n);
                img.write(off, zeros);
                off += n;
                if (job != null) job.progress(off, size);
                for (int t = (int) (off * 10 / size); tenths < t; ) {
                    out.printf(Locale.ROOT, "    (%d.00/100%%)%n", ++tenths * 10);
                    out.flush();
                }
            }
            img.flush();
        } finally {
            if (job != null) job.close();
        }
    }

    /** Image creation's progress (the web console shows it); optional. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Jobs jobs;

    private BlockImageProvider provider(String fmt) {
        for (BlockImageProvider p : providers) {
            if (p.format().equals(fmt)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown format '" + fmt + "' (present: "
                + providers.stream().map(BlockImageProvider::format).sorted().toList() + ")");
    }

    /** The provider that recognises the file's first bytes, else raw (qemu-img's probing). */
    private BlockImageProvider detect(Path file) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (FileChannel ch = FileChannel.open(file)) {
            n = Math.max(0, ch.read(ByteBuffer.wrap(head), 0));
        }
        for (BlockImageProvider p : providers) {
            if (p.recognizes(head, n)) {
                return p;
            }
        }
        return provider("raw");
    }

    static long size(String s) {
        String t = s.trim();
        long mult = 1;
        char last = t.isEmpty() ? '?' : Character.toUpperCase(t.charAt(t.length() - 1));
        int shift = "KMGT".indexOf(last);
        if (shift >= 0) {
            mult = 1L << (10 * (shift + 1));
            t = t.substring(0, t.length() - 1);
        } else if (last == 'B') {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t);
            if (v <= 0 || v > Long.MAX_VALUE / mult) {
                throw new NumberFormatException();
            }
            long bytes = v * mult;
            if (bytes % BlockImage.SECTOR_SIZE != 0) {
                throw new IllegalArgumentException("size " + s + " is not a multiple of " + BlockImage.SECTOR_SIZE);
            }
            return bytes;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + s + "' is not a positive number of bytes (k, M, G, T suffixes)");
        }
    }

    static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, v == Math.rint(v) ? "%.0f %s" : "%.3g %s", v, units[u]);
    }

    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(String m) {
            super(m);
        }
    }
}
