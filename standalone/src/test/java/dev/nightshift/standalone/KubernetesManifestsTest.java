package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.ingest.IngestProperties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Every overlay under k8s/ rendered by {@code kubectl kustomize}, as CI renders it, and the objects checked
 * for what running Nightshift on Kubernetes relies on: probes, resources, security contexts, disruption
 * budgets, network policies, grace periods, scaling within the partitions, replicated topics in prod.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("../k8s").toAbsolutePath().normalize();
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    static Stream<String> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(K8S.resolve("overlays"))) {
            return dirs.map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyServiceIsProbedBoundedConfinedBudgetedAndFenced(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        List<JsonNode> deployments = kind(objects, "Deployment");
        assertThat(deployments).extracting(d -> d.path("metadata").path("name").asString()).containsExactlyInAnyOrder("ingest", "dispatch", "report");
        for (JsonNode deployment : deployments) {
            String name = deployment.path("metadata").path("name").asString();
            JsonNode pod = deployment.path("spec").path("template").path("spec");
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).as(name + " runs as non-root").isTrue();
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).as(name + " needs no API token").isFalse();
            for (JsonNode container : pod.path("containers")) {
                assertThat(container.path("readinessProbe").path("httpGet").path("path").asString()).as(name).isEqualTo("/actuator/health/readiness");
                assertThat(container.path("livenessProbe").path("httpGet").path("path").asString()).as(name).isEqualTo("/actuator/health/liveness");
                for (String bound : List.of("requests", "limits")) {
                    assertThat(container.path("resources").path(bound).has("cpu")).as(name + " " + bound).isTrue();
                    assertThat(container.path("resources").path(bound).has("memory")).as(name + " " + bound).isTrue();
                }
                JsonNode security = container.path("securityContext");
                assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).as(name).isFalse();
                assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as(name).isTrue();
                assertThat(security.path("capabilities").path("drop").valueStream().map(JsonNode::asString)).as(name).containsExactly("ALL");
                assertThat(container.path("env").valueStream().filter(e -> e.has("valueFrom"))
                        .map(e -> e.path("valueFrom").path("secretKeyRef").path("name").asString())).as(name + "'s secrets").containsOnly("nightshift-secrets");
            }
            // what dispatch's sandbox needs and nothing else: bubblewrap makes namespaces and mounts /proc
            if (name.equals("dispatch")) {
                assertThat(pod.path("securityContext").path("seccompProfile").path("type").asString()).isEqualTo("Unconfined");
                assertThat(pod.path("securityContext").path("appArmorProfile").path("type").asString()).isEqualTo("Unconfined");
                assertThat(pod.path("hostUsers").asBoolean(true)).as("its own user namespace").isFalse();
                assertThat(pod.path("containers").get(0).path("securityContext").path("procMount").asString()).isEqualTo("Unmasked");
            } else {
                assertThat(pod.path("securityContext").path("seccompProfile").path("type").asString()).as(name).isEqualTo("RuntimeDefault");
                assertThat(pod.path("hostUsers").isMissingNode()).as(name).isTrue();
            }
            assertThat(selecting(kind(objects, "PodDisruptionBudget"), name)).as(name + "'s disruption budget").hasSize(1);
            assertThat(selecting(kind(objects, "NetworkPolicy"), name)).as(name + "'s network policy").singleElement().satisfies(policy -> {
                assertThat(policy.path("spec").path("policyTypes").valueStream().map(JsonNode::asString)).containsExactlyInAnyOrder("Ingress", "Egress");
                String egress = policy.path("spec").path("egress").toString();
                assertThat(egress).as(name + " reaches Kafka and the registry").contains("\"strimzi.io/cluster\":\"nightshift\"").contains("9092")
                        .contains("\"app\":\"apicurio-registry\"");
            });
        }
        JsonNode ingestPolicy = selecting(kind(objects, "NetworkPolicy"), "ingest").getFirst();
        assertThat(ingestPolicy.path("spec").path("ingress").toString()).contains("\"kubernetes.io/metadata.name\":\"ingress-nginx\"").contains("8080");
        JsonNode hpa = kind(objects, "HorizontalPodAutoscaler").getFirst();
        assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asString()).isEqualTo("ingest");
        assertThat(hpa.path("spec").path("metrics").get(0).path("resource").path("name").asString()).isEqualTo("cpu");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void dispatchScalesOnLagWithinThePartitionsAndOutlastsItsShutdown(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        JsonNode dispatch = named(kind(objects, "Deployment"), "dispatch");
        JsonNode scaled = kind(objects, "ScaledObject").getFirst();
        JsonNode trigger = scaled.path("spec").path("triggers").get(0);
        assertThat(scaled.path("spec").path("scaleTargetRef").path("name").asString()).isEqualTo("dispatch");
        assertThat(trigger.path("type").asString()).isEqualTo("kafka");
        assertThat(trigger.path("metadata").path("consumerGroup").asString()).isEqualTo("nightshift-dispatch");
        assertThat(trigger.path("metadata").path("topic").asString()).isEqualTo("nightshift.tasks");
        int partitions = topic(objects, "nightshift.tasks").path("spec").path("partitions").asInt();
        assertThat(scaled.path("spec").path("maxReplicaCount").asInt()).as("capped at the partitions").isBetween(1, partitions);
        // a new instance per runs-in-flight of waiting tasks
        assertThat(trigger.path("metadata").path("lagThreshold").asString()).isEqualTo(env(dispatch, "DISPATCH_MAX_RUNS").orElse("8"));

        DispatchProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of(
                "nightshift.dispatch.workspaces-root", "/w", "nightshift.dispatch.agents.claude.binary", "claude")))
                .bind("nightshift.dispatch", DispatchProperties.class).get();
        Duration grace = Duration.ofSeconds(dispatch.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asLong());
        assertThat(grace).as("longer than dispatch's shutdown").isGreaterThan(defaults.shutdownWait().plus(defaults.killGrace()));
        assertThat(topic(objects, "nightshift.runs").path("spec").path("partitions").asInt()).isEqualTo(defaults.runsPartitions());
        IngestProperties ingest = new Binder(new MapConfigurationPropertySource(Map.of("nightshift.ingest.workers-file", "w.yml")))
                .bind("nightshift.ingest", IngestProperties.class).get();
        assertThat(partitions).as("as ingest would make it").isEqualTo(ingest.tasksPartitions());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void topicsAreReplicatedInProd(String overlay) throws Exception {
        List<JsonNode> topics = kind(render(overlay), "KafkaTopic");
        assertThat(topics).extracting(t -> t.path("spec").path("topicName").asString()).contains("nightshift.tasks", "nightshift.publications",
                "nightshift.ledger", "nightshift.runs", "nightshift.spend", "nightshift.writes", "nightshift.tasks.dlt");
        int replicas = overlay.equals("prod") ? 3 : 1;
        for (JsonNode topic : topics) {
            assertThat(topic.path("spec").path("replicas").asInt()).as(topic.path("spec").path("topicName").asString()).isEqualTo(replicas);
            assertThat(topic.path("spec").path("config").path("min.insync.replicas").asString()).isEqualTo(overlay.equals("prod") ? "2" : "1");
        }
    }

    private static List<JsonNode> render(String overlay) throws Exception {
        Optional<Path> kubectl = Stream.of(System.getenv("PATH").split(":")).map(p -> Path.of(p, "kubectl")).filter(Files::isExecutable).findFirst();
        if (kubectl.isEmpty() && "1".equals(System.getenv("NIGHTSHIFT_REQUIRE_KUBECTL"))) {
            throw new IllegalStateException("NIGHTSHIFT_REQUIRE_KUBECTL=1 but kubectl is not installed");
        }
        assumeTrue(kubectl.isPresent(), "kubectl is not installed: the manifests are not rendered");
        Process p = new ProcessBuilder(kubectl.get().toString(), "kustomize", K8S.resolve("overlays").resolve(overlay).toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String rendered = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("kubectl kustomize " + overlay).isZero();
        List<JsonNode> objects = new ArrayList<>();
        YAML.readerFor(JsonNode.class).readValues(rendered).forEachRemaining(o -> {
            if (o instanceof JsonNode node && !node.isNull() && !node.isMissingNode()) {
                objects.add(node);
            }
        });
        return objects;
    }

    private static List<JsonNode> kind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asString().equals(kind)).toList();
    }

    private static JsonNode named(List<JsonNode> objects, String name) {
        return objects.stream().filter(o -> o.path("metadata").path("name").asString().equals(name)).findFirst().orElseThrow();
    }

    private static JsonNode topic(List<JsonNode> objects, String name) {
        return kind(objects, "KafkaTopic").stream().filter(t -> t.path("spec").path("topicName").asString().equals(name)).findFirst().orElseThrow();
    }

    /** The policies or budgets whose pod selector picks this service's pods. */
    private static List<JsonNode> selecting(List<JsonNode> objects, String app) {
        return objects.stream().filter(o -> {
            JsonNode selector = o.path("spec").has("podSelector") ? o.path("spec").path("podSelector") : o.path("spec").path("selector");
            return selector.path("matchLabels").path("app.kubernetes.io/name").asString("").equals(app);
        }).toList();
    }

    private static Optional<String> env(JsonNode deployment, String name) {
        return deployment.path("spec").path("template").path("spec").path("containers").get(0).path("env").valueStream()
                .filter(e -> e.path("name").asString().equals(name)).map(e -> e.path("value").asString()).findFirst();
    }
}
