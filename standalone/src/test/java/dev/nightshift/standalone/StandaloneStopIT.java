package dev.nightshift.standalone;

import static dev.nightshift.standalone.StandaloneLaunch.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Topics;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.StandInAgent;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TodoistWebhooks;
import dev.nightshift.testkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ctrl-C at the terminal of {@code ./nightshift run} with a run in progress: the packaged jar says what its stop
 * waits for (the default shutdown-wait, 5m) and how to cut it short; a second Ctrl-C stops the agent and hands the
 * run over instead, and the next start runs it as attempt 2. The jar leads its own process group and the signals
 * go to the whole group, as a terminal sends them.
 */
@Timeout(420)
class StandaloneStopIT {

    private static final String SECRET = "stop-secret";
    private static final String PROJECT = "6JfSTOPproject";

    @Test
    void aSecondCtrlCHandsTheRunOverInsteadOfWaitingForIt() throws Exception {
        StandInAgent standIn = StandInAgent.install("nightshift-stop-");
        Path dir = standIn.dir();
        Files.createDirectory(dir.resolve("workdirs"));
        Path workers = Files.writeString(dir.resolve("workers.yml"), """
                workers:
                  - name: worker
                    trigger:
                      todoist:
                        project: %s
                    goal: "{{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 20m
                      max-attempts: 3
                    outputs:
                      - todoist: {}
                """.formatted(PROJECT));
        int kafka = StandaloneLaunch.freeRange(2);
        int registry = StandaloneLaunch.freeRange(2);
        int ingest = StandaloneLaunch.freeRange(3);
        String task = "stop-" + UUID.randomUUID().toString().substring(0, 8);

        Path first = dir.resolve("first.log");
        Process stopping = started(standalone(standIn, workers, first, kafka, registry, ingest), first);
        try {
            String body = TodoistWebhooks.itemAdded(task, PROJECT, "Hand over " + task + " scenario:sleep:900");
            // as Todoist does, the delivery is sent again while ingest answers 503 (the first after a start may, on a busy machine)
            HttpResponse<String> r = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> TodoistWebhooks.send("http://127.0.0.1:" + ingest + "/webhooks/todoist", body, SECRET, "d-" + task),
                            sent -> sent.statusCode() != 503);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(60)).until(() -> agentsStarted(dir, task) == 1);
            assertThat(agentProcesses(task)).as("the agent runs").isNotEmpty();

            signalGroup("INT", stopping.pid()); // Ctrl-C
            await().atMost(Duration.ofSeconds(60)).until(() -> log(first).contains("Waiting up to ") || !stopping.isAlive());
            assertThat(log(first)).contains("Waiting up to 5m for 1 run in progress (nightshift.dispatch.shutdown-wait); "
                    + "press Ctrl-C again to stop it now and hand it over");
            assertThat(stopping.isAlive()).as("waiting for the run").isTrue();
            // the Ctrl-C reached the jar alone: the registry (its own session) serves until dispatch and report are done
            assertThat(registryAnswers(registry)).as("the registry is up while dispatch waits").isTrue();

            signalGroup("INT", stopping.pid()); // Ctrl-C again
            assertThat(stopping.waitFor(60, TimeUnit.SECONDS)).as("stopped at once, not after 5m:\n" + log(first)).isTrue();
            assertThat(stopping.exitValue()).as("as a SIGINT ends a JVM").isEqualTo(130);
        } finally {
            killAll(stopping);
        }
        assertThat(log(first)).contains("Ctrl-C again: stopping the runs in progress now", "handed over 1 run(s) still going (asked to stop them now)",
                "Stopped.");
        assertThat(agentProcesses(task)).as("the agent was stopped").isEmpty();

        // the next start takes the run over at once and runs it as attempt 2
        Path second = dir.resolve("second.log");
        // its own stop need not wait for attempt 2
        Process next = started(standalone(standIn, workers, second, kafka, registry, ingest, "-Dnightshift.dispatch.shutdown-wait=1s"), second);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> agentsStarted(dir, task) == 2);
            List<RunEvent> runs = runEvents(kafka, registry, "todoist:" + task);
            assertThat(runs.stream().filter(e -> e.getBody() instanceof RunStarted)).extracting(RunEvent::getAttempt).containsExactly(1, 2);
            // attempt 1 ended as the next owner found it, lost with its dispatcher, and not by the stop itself
            List<RunEvent> finished = runs.stream().filter(e -> e.getBody() instanceof RunFinished).toList();
            assertThat(finished).extracting(RunEvent::getAttempt).containsExactly(1);
            RunFinished lost = (RunFinished) finished.getFirst().getBody();
            assertThat(lost.getOutcome()).isEqualTo(Outcome.FAILED);
            assertThat(lost.getReason()).contains("stopped before the run ended");
            assertThat(lost.getFinalAttempt()).isFalse();
            assertThat(log(second)).contains("run ", " of todoist:" + task + " started: worker worker, attempt 2");
        } finally {
            next.destroy();
            next.waitFor(60, TimeUnit.SECONDS); // then nothing is left to kill
            killAll(next);
        }
    }

    @Test
    void aCtrlCWhileTheRegistryStartsLeavesNoRegistryBehind() throws Exception {
        StandInAgent standIn = StandInAgent.install("nightshift-stop-early-");
        Path workers = Files.writeString(standIn.dir().resolve("workers.yml"), "workers: []\n");
        Path output = standIn.dir().resolve("output.log");
        Process starting = standalone(standIn, workers, output, StandaloneLaunch.freeRange(2), StandaloneLaunch.freeRange(2),
                StandaloneLaunch.freeRange(3)).start();
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> log(output).contains("Starting the schema registry") || !starting.isAlive());
            await().atMost(Duration.ofSeconds(10)).until(() -> !registries(standIn.dir()).isEmpty());
            signalGroup("INT", starting.pid()); // Ctrl-C: the registry, in a session of its own, does not get it
            assertThat(starting.waitFor(60, TimeUnit.SECONDS)).as(log(output)).isTrue();
            assertThat(log(output)).doesNotContain("Nightshift is running").contains("Stopped.");
            await().atMost(Duration.ofSeconds(20)).until(() -> registries(standIn.dir()).isEmpty());
        } finally {
            killAll(starting);
        }
    }

    private static ProcessBuilder standalone(StandInAgent standIn, Path workers, Path output, int kafka, int registry, int ingest,
            String... options) throws IOException {
        List<String> jvmOptions = new ArrayList<>(List.of("-Dnightshift.dispatch.agents.claude.binary=" + standIn.agent(),
                "-Dnightshift.dispatch.keep-workspaces=true",
                "-Dnightshift.dispatch.kill-grace=2s"));
        jvmOptions.addAll(List.of(options));
        // setsid: the jar leads a process group of its own, which the test signals as a terminal signals its foreground group;
        // env --default-signal: Ctrl-C works as at a terminal even when the test run was started in the background (a
        // non-interactive shell's `cmd &` ignores SIGINT, children inherit that, and the JVM then ignores it too)
        List<String> cmd = new ArrayList<>(List.of("setsid", "env", "--default-signal=INT"));
        cmd.addAll(StandaloneLaunch.jar(jvmOptions.toArray(String[]::new)));
        ProcessBuilder builder = StandaloneLaunch.builder(cmd, output, standIn.dir().resolve("nightshift-data"), workers,
                new StandaloneLaunch.Ports(kafka, registry, ingest));
        Map<String, String> env = builder.environment();
        env.put("TODOIST_CLIENT_SECRET", SECRET);
        env.remove("TODOIST_API_TOKEN");
        env.putAll(TestSigningKey.environment());
        if ("none".equals(SharedInfrastructure.sandboxKind())) {
            env.put("NIGHTSHIFT_UNSANDBOXED", "1");
        }
        return builder;
    }

    /** Setsid and env exec in place (a child of the JVM leads no group), so the process is the jar's JVM, leading its group. */
    private static Process started(ProcessBuilder builder, Path output) throws IOException {
        Process nightshift = StandaloneLaunch.awaitRunning(builder.start(), output, Duration.ofSeconds(150));
        assertThat(processGroup(nightshift.pid())).as("leads its process group").isEqualTo(nightshift.pid());
        return nightshift;
    }

    private static void signalGroup(String signal, long group) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + group).redirectErrorStream(true).start();
        String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kill.waitFor()).as(said).isZero();
    }

    /** Whatever is left of it and what it started (the registry, in its own session, should the jar have died first). */
    private static void killAll(Process nightshift) throws InterruptedException {
        List<ProcessHandle> started = nightshift.toHandle().descendants().toList();
        nightshift.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        started.forEach(ProcessHandle::destroyForcibly);
    }

    private static boolean registryAnswers(int port) throws InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/apis/registry/v3/system/info")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static long processGroup(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        // pid (comm) state ppid pgrp ...: comm may hold spaces, so count from its closing parenthesis
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    /** Processes whose command line names the task: the stand-in agent's is its prompt. */
    private static List<Long> agentProcesses(String task) {
        return processesNaming(task);
    }

    private static List<Long> processesNaming(String text) {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()), "cmdline")), StandardCharsets.UTF_8).contains(text);
            } catch (IOException e) {
                return false; // gone meanwhile
            }
        }).map(ProcessHandle::pid).toList();
    }

    /** The registries keeping their database under this directory's data directory. */
    private static List<Long> registries(Path dir) {
        return processesNaming(dir.resolve("nightshift-data/registry").toString());
    }

    /** The stand-in writes agent-started into its workspace, kept after the run. */
    private static long agentsStarted(Path dir, String task) throws IOException {
        Path workspaces = dir.resolve("nightshift-data/workspaces");
        if (!Files.isDirectory(workspaces)) {
            return 0;
        }
        try (Stream<Path> runs = Files.list(workspaces)) {
            return runs.map(run -> run.resolve("agent-started")).filter(Files::exists).filter(marker -> {
                try {
                    return Files.readString(marker).contains(task);
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    private static List<RunEvent> runEvents(int kafka, int registry, String taskKey) {
        return TopicReader.readAll(Topics.RUNS, "127.0.0.1:" + kafka, "http://127.0.0.1:" + registry + "/apis/registry/v3").stream()
                .filter(r -> taskKey.equals(r.key())).map(ConsumerRecord::value).map(RunEvent.class::cast).toList();
    }
}
