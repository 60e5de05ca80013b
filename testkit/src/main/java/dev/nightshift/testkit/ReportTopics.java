package dev.nightshift.testkit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import dev.nightshift.events.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** The topics report reads and writes, on the shared broker, for tests and benches that run report without dispatch. */
public final class ReportTopics {

    private ReportTopics() {
    }

    /**
     * Made as dispatch and report make them: nightshift.runs with dispatch's default partitions (fewer would be
     * raised by a dispatcher started later, unseen by a running report's consumer for minutes), and nightshift.tasks,
     * which report's sinks follow for cancellations: without it report's warm-up waits its full 30 s for their
     * assignment.
     */
    public static void create() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers()))) {
            for (NewTopic topic : List.of(new NewTopic(Topics.RUNS, 6, (short) 1), new NewTopic(Topics.TASKS, 6, (short) 1),
                    new NewTopic(Topics.WRITES, 3, (short) 1))) {
                try {
                    admin.createTopics(List.of(topic)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }
}
