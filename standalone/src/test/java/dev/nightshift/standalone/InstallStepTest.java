package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.nightshift.dispatch.sandbox.Executables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ops/install, the one install step of {@code ./nightshift run} and {@code ./nightshift test} (and so of .ci/run), run
 * for real with bubblewrap and socat missing. Without root, sudo or npm, both commands stop before they build, naming
 * what is missing, why, and the one command that installs it. As root the step installs them: in a mount namespace
 * whose /usr and /var are throw-away overlays the packages are really removed, the step installs them with apt-get,
 * and then the standalone's sandbox preflight (where {@code ./nightshift run} stopped before) passes; this machine's
 * own packages are never touched. With everything there, {@code ./nightshift test} builds at once, quietly, with every
 * NIGHTSHIFT_REQUIRE_* set, so the sandbox and CLI tests run rather than skip.
 */
@Timeout(300)
class InstallStepTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** What the stand-in for ./mvnw prints first: the build started. */
    private static final String BUILD = "stand-in mvnw:";
    private static final List<String> REQUIREMENTS = List.of("NIGHTSHIFT_REQUIRE_CLAUDE_CLI=1", "NIGHTSHIFT_REQUIRE_CODEX_CLI=1",
            "NIGHTSHIFT_REQUIRE_COMPOSE=1", "NIGHTSHIFT_REQUIRE_KUBECTL=1", "NIGHTSHIFT_REQUIRE_SANDBOX=1");

    @TempDir
    Path dir;
    private final List<Path> paths = new ArrayList<>();

    /** The links out of the temporary directory, removed before JUnit would warn about each one. */
    @AfterEach
    void removeThePaths() throws IOException {
        for (Path bin : paths) {
            try (Stream<Path> links = Files.list(bin)) {
                for (Path link : links.toList()) {
                    Files.delete(link);
                }
            }
        }
    }

    @Test
    void withoutRootRunAndTestStopBeforeBuildingWithTheOneCommandThatInstallsTheSandbox() throws Exception {
        Path repo = copyOfTheCommands();
        Path path = pathWithout("bwrap", "socat", "sudo", "npm");
        for (String command : List.of("run", "test")) {
            Result result = withoutRoot(repo, path, "./nightshift", command);
            assertThat(result.exit()).as(result.output()).isEqualTo(1);
            assertThat(result.output()).as("the build never started").doesNotContain(BUILD);
            assertThat(result.lines()).as(result.output()).contains(
                    "./nightshift " + command + " needs what is not installed here:",
                    "  - bwrap (apt package bubblewrap): the agents' sandbox; no agent runs without it",
                    "  - socat (apt package socat): bridges each sandbox to its egress proxy and model gateway",
                    "    su -c '" + repo.resolve("ops/install") + " " + command + "'");
        }
    }

    @Test
    void withEverythingInstalledTestBuildsAtOnceWithEveryRequirementSet() throws Exception {
        Path repo = copyOfTheCommands();
        // without sudo and npm, and not as root: the step can only look, never install
        Result result = withoutRoot(repo, pathWithout("sudo", "npm"), "./nightshift", "test");
        // under ./nightshift test the step has passed already (that is when the REQUIRE flags are set): so it must here
        if ("1".equals(System.getenv("NIGHTSHIFT_REQUIRE_SANDBOX")) || result.exit() == 0) {
            assertThat(result.exit()).as(result.output()).isZero();
            assertThat(result.lines()).as("quiet and straight to the build: nothing installed, nothing asked")
                    .startsWith(BUILD + " -B -T 2 verify").containsAll(REQUIREMENTS);
        } else {
            assertThat(result.exit()).as(result.output()).isEqualTo(1);
            assertThat(result.output()).contains("./nightshift test needs what is not installed here:").doesNotContain(BUILD);
        }
    }

    @Test
    void asRootItInstallsThemAndTheStandalonesSandboxPreflightThenPasses() throws Exception {
        assumeTrue(uid() == 0, "installing needs root: without it, the step's answer is the one command (the test above)");
        boolean hostHasThem = Executables.find("bwrap").isPresent() && Executables.find("socat").isPresent();
        Path script = dir.resolve("namespace.sh");
        Files.writeString(script, """
                set -eu
                # /usr and /var as overlays on a tmpfs: what dpkg and apt-get change here vanishes with this namespace
                layers=$(mktemp -d)
                mount -t tmpfs nightshift-install-test "$layers"
                for d in usr var; do
                  mkdir "$layers/$d" "$layers/$d.work"
                  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$layers/$d,workdir=$layers/$d.work" "/$d"
                  findmnt -no FSTYPE "/$d" | grep -qx overlay || exit 90
                done
                # no man-db index and no needrestart scan: seconds instead of a minute
                echo "man-db man-db/auto-update boolean false" | debconf-set-selections
                export NEEDRESTART_SUSPEND=1
                dpkg --remove --force-depends --no-triggers bubblewrap socat >/dev/null 2>&1 || true
                hash -r
                echo "before:" $(command -v bwrap socat)
                if "$1" run; then echo "install step: exit 0"; else echo "install step: exit $?"; fi
                hash -r
                echo "after:" $(command -v bwrap socat)
                dpkg-query -W -f='${Package} ${db:Status-Status}\\n' bubblewrap socat
                bwrap --ro-bind / / --unshare-all --die-with-parent true && echo "bwrap runs"
                "$2" -cp "$3" dev.nightshift.standalone.SandboxPreflightProbe
                """);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder namespace = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "bash", script.toString(),
                ROOT.resolve("ops/install").toString(), java.toString(), System.getProperty("java.class.path"));
        try {
            Result result = run(namespace);
            assertThat(result.exit()).as(result.output()).isZero();
            assertThat(result.lines()).as(result.output()).contains(
                    "before:",
                    "ops/install: apt-get install bubblewrap socat",
                    "install step: exit 0",
                    "bubblewrap installed",
                    "socat installed",
                    "bwrap runs",
                    "preflight passes");
            assertThat(result.lines()).as(result.output()).anyMatch(line -> line.matches("after: /\\S+/bwrap /\\S+/socat"));
        } finally {
            assertThat(Executables.find("bwrap").isPresent() && Executables.find("socat").isPresent())
                    .as("this machine's own bwrap and socat, untouched").isEqualTo(hostHasThem);
        }
    }

    /** The CLI pins are the dispatch image's: the tests run the CLIs that production runs. */
    @Test
    void theInstallStepPinsTheCliVersionsOfTheDispatchImage() throws Exception {
        String install = Files.readString(ROOT.resolve("ops/install"));
        String dockerfile = Files.readString(ROOT.resolve("dispatch-service/image/Dockerfile"));
        for (String pin : List.of("CLAUDE_CODE_VERSION", "CODEX_VERSION")) {
            assertThat(value(install, "(?m)^" + pin + "=(\\S+)$")).as(pin).isEqualTo(value(dockerfile, "(?m)^ARG " + pin + "=(\\S+)$"));
        }
    }

    private static String value(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex).isTrue();
        return m.group(1);
    }

    /** ./nightshift and ops/install as they are, beside a stand-in ./mvnw that prints its arguments and the REQUIRE flags. */
    private Path copyOfTheCommands() throws IOException {
        Path repo = Files.createDirectories(dir.resolve("repo/ops"));
        Files.copy(ROOT.resolve("nightshift"), dir.resolve("repo/nightshift"));
        Files.copy(ROOT.resolve("ops/install"), repo.resolve("install"));
        Files.writeString(dir.resolve("repo/mvnw"), """
                #!/bin/sh
                echo "%s $*"
                env | grep '^NIGHTSHIFT_REQUIRE_' | sort
                """.formatted(BUILD));
        for (Path p : List.of(dir, dir.resolve("repo"), repo, dir.resolve("repo/nightshift"), repo.resolve("install"), dir.resolve("repo/mvnw"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir.resolve("repo");
    }

    /** A directory of links to every program on this PATH but the hidden ones: the PATH of a machine without them. */
    private Path pathWithout(String... hidden) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin-without-" + String.join("-", hidden)));
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        paths.add(bin);
        Set<String> skip = Set.of(hidden);
        for (String d : System.getenv("PATH").split(File.pathSeparator)) {
            Path directory = Path.of(d.isEmpty() ? "." : d);
            if (!Files.isDirectory(directory)) {
                continue;
            }
            try (Stream<Path> programs = Files.list(directory)) {
                for (Path program : programs.toList()) {
                    Path link = bin.resolve(program.getFileName().toString());
                    if (!skip.contains(program.getFileName().toString()) && Files.isRegularFile(program) && Files.isExecutable(program)
                            && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, program.toAbsolutePath());
                    }
                }
            }
        }
        assertThat(Stream.of(hidden).map(bin::resolve)).noneMatch(Files::exists);
        return bin;
    }

    /** As nobody where this JVM is root (setpriv), else as this JVM's own user; only PATH, HOME and JAVA_HOME. */
    private Result withoutRoot(Path repo, Path path, String... command) throws Exception {
        List<String> argv = new ArrayList<>();
        if (uid() == 0) {
            argv.addAll(List.of(Executables.require("setpriv", "to run the step as nobody").toString(), "--reuid=65534", "--regid=65534", "--clear-groups"));
        }
        argv.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(repo.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", path.toString());
        builder.environment().put("HOME", dir.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return run(builder);
    }

    private record Result(int exit, String output) {

        List<String> lines() {
            return output.lines().toList();
        }
    }

    private static Result run(ProcessBuilder builder) throws Exception {
        Process p = builder.redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }

    private static int uid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
