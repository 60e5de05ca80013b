package dev.nightshift.bench;

import java.io.IOException;
import java.time.Instant;

/** Where and on what a benchmark ran: the lines every result file starts with. */
final class BenchEnvironment {

    private BenchEnvironment() {
    }

    static String header(String title) throws IOException, InterruptedException {
        String cpu = shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip();
        return "# " + title + "\n\n"
                + "- date: " + Instant.now() + "\n"
                + "- commit: " + shell("git rev-parse HEAD") + "\n"
                + "- machine: " + Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
                + shell("free -g | awk '/Mem:/{print $2}'") + " GiB\n"
                + "- java: " + System.getProperty("java.version") + "\n"
                + "- sandbox: " + shell("command -v bwrap >/dev/null && echo bubblewrap || echo none") + "\n"
                + "- process start: " + processStartMillis() + " ms (a fork and exec of /bin/true by bash, mean of 200: machines"
                + " differ most in this, and runs start processes)\n";
    }

    private static String processStartMillis() throws IOException, InterruptedException {
        long start = System.nanoTime();
        shell("for i in $(seq 200); do /bin/true; done");
        return "%.1f".formatted((System.nanoTime() - start) / 1e6 / 200);
    }

    static String shell(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return out;
    }
}
