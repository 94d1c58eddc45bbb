package io.roomcast.bench.servers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel and the JVM say about a server process: resident memory and CPU time from {@code /proc},
 * and the heap after a full GC from {@code jcmd}/{@code jstat}.
 */
public record ProcStats(long pid) {
    private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on

    /** Resident set size in bytes ({@code VmRSS}). */
    public long rssBytes() {
        for (String line : lines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    /** User plus system CPU time, in nanoseconds ({@code utime + stime}). */
    public long cpuNanos() {
        String stat = lines(Path.of("/proc", Long.toString(pid), "stat")).get(0);
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
        return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
    }

    /** Runs a full GC in the process, then reads the heap in use, in bytes. */
    public long heapAfterGcBytes() {
        run("jcmd", Long.toString(pid), "GC.run");
        List<String> out = run("jstat", "-gc", Long.toString(pid));
        String[] names = out.get(0).trim().split("\\s+");
        String[] values = out.get(1).trim().split("\\s+");
        double kb = 0;
        for (int i = 0; i < names.length; i++) {
            if (List.of("S0U", "S1U", "EU", "OU").contains(names[i])) {
                kb += Double.parseDouble(values[i]);
            }
        }
        return (long) (kb * 1024);
    }

    /**
     * The seconds the process's JIT compilers have spent so far ({@code jstat -compiler}'s {@code Time}): how a
     * scenario tells a warm server from one still compiling its hot paths.
     */
    public double compileSeconds() {
        List<String> out = run("jstat", "-compiler", Long.toString(pid));
        List<String> names = List.of(out.get(0).trim().split("\\s+"));
        return Double.parseDouble(out.get(1).trim().split("\\s+")[names.indexOf("Time")]);
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static List<String> run(String tool, String... args) {
        Path bin = Path.of(System.getProperty("java.home"), "bin", tool);
        List<String> cmd = new java.util.ArrayList<>(List.of(bin.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(tool + " failed: " + text);
            }
            return text.lines().filter(l -> !l.isBlank() && !l.startsWith(args[0] + ":")).toList();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(tool + ": " + e, e);
        }
    }
}
