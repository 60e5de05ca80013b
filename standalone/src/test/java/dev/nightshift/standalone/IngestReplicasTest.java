package dev.nightshift.standalone;

import static dev.nightshift.standalone.RunningNightshift.CLIENT_SECRET;
import static dev.nightshift.standalone.RunningNightshift.PROJECT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.Topics;
import dev.nightshift.testkit.TodoistWebhooks;
import dev.nightshift.testkit.TopicReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Several ingest replicas on one broker, as behind a load balancer: a delivery runs once whichever replicas
 * receive it, at once or after a restart. Each replica that receives it may publish it (one write each, no
 * coordination); dispatch's ledger runs the version once. Repeats at one replica are answered without a write.
 */
class IngestReplicasTest {

    private static RunningNightshift nightshift;
    private static ConfigurableApplicationContext second;
    private static ConfigurableApplicationContext third;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
        second = nightshift.startIngestReplica();
        third = nightshift.startIngestReplica();
    }

    @AfterAll
    static void stop() {
        second.close();
        third.close();
    }

    @Test
    void theSameDeliveryAtThreeReplicasAtOnceRunsOnce() throws Exception {
        List<String> urls = List.of(nightshift.webhookUrl(), RunningNightshift.webhookUrl(second, "todoist"),
                RunningNightshift.webhookUrl(third, "todoist"));
        List<String> taskIds = new ArrayList<>();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 10; i++) {
                String taskId = EndToEndTest.newTaskId();
                taskIds.add(taskId);
                String body = TodoistWebhooks.itemAdded(taskId, PROJECT_ID, "Replicated " + i);
                String delivery = UUID.randomUUID().toString();
                CyclicBarrier together = new CyclicBarrier(urls.size());
                List<Future<HttpResponse<String>>> answers = urls.stream().map(url -> senders.submit(() -> {
                    together.await();
                    return TodoistWebhooks.send(url, body, CLIENT_SECRET, delivery);
                })).toList();
                List<String> results = new ArrayList<>();
                for (Future<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> r = answer.get();
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    results.add(result(r));
                }
                // each replica answers for itself: it published, or it knew the delivery already
                assertThat(results).as(taskId).contains("published").allMatch(r -> r.equals("published") || r.equals("duplicate"));
            }
        }
        for (String taskId : taskIds) {
            assertThat(published(taskId)).as(taskId).hasSizeBetween(1, 3);
        }
        for (String taskId : taskIds) {
            assertRunsOnce(taskId);
        }
    }

    /** After a restart a replica has forgotten what it published: the redelivery is published again, and runs once. */
    @Test
    void aRedeliveryAfterARestartRunsOnce() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        String body = TodoistWebhooks.itemAdded(taskId, PROJECT_ID, "Before the restart");
        String delivery = UUID.randomUUID().toString();
        ConfigurableApplicationContext before = nightshift.startIngestReplica();
        try {
            assertThat(TodoistWebhooks.send(RunningNightshift.webhookUrl(before, "todoist"), body, CLIENT_SECRET, delivery).body())
                    .contains("\"result\":\"published\"");
        } finally {
            before.close();
        }
        ConfigurableApplicationContext after = nightshift.startIngestReplica();
        try {
            HttpResponse<String> r = TodoistWebhooks.send(RunningNightshift.webhookUrl(after, "todoist"), body, CLIENT_SECRET, delivery);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(result(r)).isIn("published", "duplicate");
        } finally {
            after.close();
        }
        assertRunsOnce(taskId);
    }

    /** The same delivery many times at once to one replica: one write, the others answered without one. */
    @Test
    void repeatsAtOneReplicaAreAnsweredWithoutASecondWrite() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        String body = TodoistWebhooks.itemAdded(taskId, PROJECT_ID, "Sent five times");
        String delivery = UUID.randomUUID().toString();
        List<String> results = new ArrayList<>();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            CyclicBarrier together = new CyclicBarrier(5);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                answers.add(senders.submit(() -> {
                    together.await();
                    return TodoistWebhooks.send(RunningNightshift.webhookUrl(second, "todoist"), body, CLIENT_SECRET, delivery);
                }));
            }
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> r = answer.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                results.add(result(r));
            }
        }
        assertThat(results).containsExactlyInAnyOrder("published", "duplicate", "duplicate", "duplicate", "duplicate");
        assertThat(published(taskId)).hasSize(1);
        assertRunsOnce(taskId);
    }

    private static String result(HttpResponse<String> r) {
        return r.body().replaceAll(".*\"result\":\"([a-z_]+)\".*", "$1");
    }

    /** The task's run finishes, and no second run starts a while after. */
    private static void assertRunsOnce(String taskId) throws InterruptedException {
        await().atMost(Duration.ofSeconds(90)).until(() -> EndToEndTest.runEvents(taskId).stream()
                .anyMatch(e -> e.getBody() instanceof RunFinished));
        Thread.sleep(1000);
        List<RunEvent> runs = EndToEndTest.runEvents(taskId);
        assertThat(runs.stream().filter(e -> e.getBody() instanceof RunStarted)).as(taskId).hasSize(1);
    }

    private static List<TaskEvent> published(String taskId) {
        return TopicReader.valuesFor(Topics.TASKS, "todoist:" + taskId).stream().map(TaskEvent.class::cast).toList();
    }
}
