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

import dev.nightshift.events.PublicationClaim;
import dev.nightshift.events.PublicationState;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Several ingest replicas on one broker, as behind a load balancer: a delivery is published once whichever
 * replicas receive it, at once or after a restart, and a replica that died holding a claim loses nothing.
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
    void theSameDeliveryAtThreeReplicasAtOnceIsPublishedOnceAndRunsOnce() throws Exception {
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
                    results.add(r.body().replaceAll(".*\"result\":\"([a-z_]+)\".*", "$1"));
                }
                assertThat(results).as(taskId).containsExactlyInAnyOrder("published", "duplicate", "duplicate");
            }
        }
        for (String taskId : taskIds) {
            assertThat(published(taskId)).as(taskId).hasSize(1);
        }
        for (String taskId : taskIds) {
            await().atMost(Duration.ofSeconds(90)).until(() -> EndToEndTest.runEvents(taskId).stream()
                    .anyMatch(e -> e.getBody() instanceof RunFinished));
        }
        Thread.sleep(1000);
        for (String taskId : taskIds) {
            List<RunEvent> runs = EndToEndTest.runEvents(taskId);
            assertThat(runs.stream().filter(e -> e.getBody() instanceof RunStarted)).as(taskId).hasSize(1);
        }
    }

    @Test
    void aRedeliveryAfterARestartIsADuplicate() throws Exception {
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
            assertThat(r.body()).contains("\"result\":\"duplicate\"");
        } finally {
            after.close();
        }
        assertThat(published(taskId)).hasSize(1);
    }

    /**
     * A replica that claimed a publication and died before making it (the claim is written here as it would
     * have left it): the sender's retry is refused with 503 while the claim's lease runs, then published.
     */
    @Test
    void aClaimLeftByADeadReplicaIsTakenOverOnceItsLeaseEnds() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        String taskKey = "todoist:" + taskId;
        TopicWriter.send(Topics.PUBLICATIONS, Topics.ledgerKey(taskKey, "added"), PublicationClaim.newBuilder()
                .setClaimId(UUID.randomUUID().toString()).setInstance("ingest-that-died").setState(PublicationState.CLAIMED)
                .setTaskKey(taskKey).build());
        long claimedAt = System.currentTimeMillis();
        String body = TodoistWebhooks.itemAdded(taskId, PROJECT_ID, "Orphaned");
        String delivery = UUID.randomUUID().toString();

        HttpResponse<String> refused = TodoistWebhooks.send(nightshift.webhookUrl(), body, CLIENT_SECRET, delivery);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.body()).contains("\"result\":\"unavailable\"");
        assertThat(published(taskId)).isEmpty();

        // the lease is twice the publish time-out (5 s): after it, the next retry takes the claim over
        Thread.sleep(Math.max(0, claimedAt + 10_500 - System.currentTimeMillis()));
        HttpResponse<String> retried = TodoistWebhooks.send(nightshift.webhookUrl(), body, CLIENT_SECRET, delivery);
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        assertThat(retried.body()).contains("\"result\":\"published\"");
        assertThat(published(taskId)).hasSize(1);
    }

    private static List<TaskEvent> published(String taskId) {
        return TopicReader.valuesFor(Topics.TASKS, "todoist:" + taskId).stream().map(TaskEvent.class::cast).toList();
    }
}
