package dev.nightshift.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The suite's infrastructure: Kafka and Apicurio containers where a Docker engine answers (this class runs
 * only there), the embedded broker and registry process where none does; either way both answer.
 */
class ContainerInfrastructureTest {

    @Test
    void theSuiteRunsOnContainersWithDockerAndOnTheEmbeddedPartsWithout() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        if (!System.getenv().containsKey("NIGHTSHIFT_TEST_INFRA")) {
            assertThat(infra.kind()).isEqualTo(DockerClientFactory.instance().isDockerAvailable() ? "containers" : "embedded");
        }
        assertAnswers(infra.bootstrapServers(), infra.registryUrl());
    }

    @Testcontainers(disabledWithoutDocker = true)
    @org.junit.jupiter.api.Nested
    class WithDocker {
        @Test
        void kafkaAndTheRegistryRunAsContainers() throws Exception {
            try (ContainerInfrastructure containers = ContainerInfrastructure.start()) {
                assertAnswers(containers.bootstrapServers(), containers.registryBase() + "/apis/registry/v3");
            }
        }
    }

    private static void assertAnswers(String bootstrapServers, String registryUrl) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).isNotEmpty();
        }
        HttpResponse<String> info = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registryUrl + "/system/info")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(info.statusCode()).as(info.body()).isEqualTo(200);
    }
}
