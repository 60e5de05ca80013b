package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.IngestProperties;
import dev.nightshift.report.sink.SinkListeners;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Every overlay under k8s/ rendered by {@code kubectl kustomize}, as CI renders it, and the objects checked
 * for what running Nightshift on Kubernetes relies on: probes, resources, security contexts, disruption
 * budgets, network policies, grace periods, scaling within the partitions, replicated topics in prod; and the
 * trust boundaries: each client its own Kafka user with exactly its ACLs, SASL from that user's Secret, the
 * model keys in the dispatch pod only, no secret value shipped.
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
                // each service reads its own Secrets and the shared one (signing key, management token), no other
                assertThat(container.path("env").valueStream().filter(e -> e.has("valueFrom"))
                        .map(e -> e.path("valueFrom").path("secretKeyRef").path("name").asString())).as(name + "'s secrets")
                        .isSubsetOf("nightshift-" + name, "nightshift-" + name + "-secrets", "nightshift-shared-secrets").contains("nightshift-shared-secrets");
                assertThat(container.path("envFrom").valueStream().filter(e -> e.has("secretRef"))).as(name + ": every secret named, none in bulk").isEmpty();
                assertThat(quantity(container.path("resources").path("limits").path("memory").asString())).as(name + "'s memory limit")
                        .isGreaterThanOrEqualTo(quantity(container.path("resources").path("requests").path("memory").asString()));
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
                assertThat(egress).as(name + " reaches Kafka's TLS listener and the registry").contains("\"strimzi.io/cluster\":\"nightshift\"").contains("9093")
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
        assertThat(env(dispatch, "NIGHTSHIFT_DISPATCH_SHUTDOWN_WAIT")).as("the grace is checked against the default shutdown-wait").isEmpty();
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
        assertThat(topics).extracting(t -> t.path("spec").path("topicName").asString()).contains("nightshift.tasks",
                "nightshift.ledger", "nightshift.runs", "nightshift.spend", "nightshift.writes", "nightshift.tasks.dlt");
        int replicas = overlay.equals("prod") ? 3 : 1;
        for (JsonNode topic : topics) {
            assertThat(topic.path("spec").path("replicas").asInt()).as(topic.path("spec").path("topicName").asString()).isEqualTo(replicas);
            assertThat(topic.path("spec").path("config").path("min.insync.replicas").asString()).isEqualTo(overlay.equals("prod") ? "2" : "1");
        }
    }


    /** Every ACL of every KafkaUser, as "type name pattern operation", exactly: one more is a privilege too many. */
    @ParameterizedTest
    @MethodSource("overlays")
    void eachClientIsItsOwnKafkaUserWithExactlyItsAcls(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        Map<String, Set<String>> acls = new HashMap<>();
        for (JsonNode user : kind(objects, "KafkaUser")) {
            String name = user.path("metadata").path("name").asString();
            assertThat(user.path("metadata").path("labels").path("strimzi.io/cluster").asString()).as(name).isEqualTo("nightshift");
            assertThat(user.path("spec").path("authentication").path("type").asString()).as(name).isEqualTo("scram-sha-512");
            assertThat(user.path("spec").path("authorization").path("type").asString()).as(name).isEqualTo("simple");
            Set<String> rules = new TreeSet<>();
            for (JsonNode acl : user.path("spec").path("authorization").path("acls")) {
                JsonNode r = acl.path("resource");
                assertThat(acl.path("type").asString("allow")).as(name + ": allow rules only").isEqualTo("allow");
                assertThat(acl.path("host").asString("*")).isEqualTo("*");
                acl.path("operations").valueStream().forEach(op -> rules.add(r.path("type").asString() + " " + r.path("name").asString() + " "
                        + r.path("patternType").asString("literal") + " " + op.asString()));
            }
            acls.put(name, rules);
        }
        String tasks = Topics.TASKS, runs = Topics.RUNS, ledger = Topics.LEDGER, spend = Topics.SPEND;
        assertThat(acls.get("nightshift-ingest")).containsExactlyInAnyOrderElementsOf(rules(
                topic(tasks, "Write", "Describe"), topic(ledger, "Read", "Describe")));
        assertThat(acls.get("nightshift-dispatch")).containsExactlyInAnyOrderElementsOf(rules(
                topic(tasks, "Read", "Describe"), List.of("group nightshift-dispatch literal Read"),
                topic(runs, "Write", "Describe"), topic(ledger, "Write", "Read", "Describe"), topic(spend, "Write", "Read", "Describe"),
                topic(Topics.deadLetters(tasks), "Write", "Describe"),
                // its transactional producer's ids: nightshift-dispatch-<instance>-<n>
                List.of("transactionalId nightshift-dispatch- prefix Write", "transactionalId nightshift-dispatch- prefix Describe")));
        List<List<String>> report = new ArrayList<>(List.of(topic(runs, "Read", "Describe"), topic(tasks, "Read", "Describe"),
                // Todoist's group is the prefix itself; the others' are <prefix>-<sink>, -tasks and -replay after them
                List.of("group nightshift-report literal Read", "group nightshift-report- prefix Read"),
                topic(Topics.WRITES, "Write", "Read", "Describe")));
        for (String sink : List.of("todoist", "github", "linear", "airtable")) {
            report.add(topic(SinkListeners.deadLetters(sink), "Write", "Read", "Describe"));
        }
        assertThat(acls.get("nightshift-report")).containsExactlyInAnyOrderElementsOf(rules(report.toArray(List[]::new)));
        assertThat(acls.get("nightshift-keda")).containsExactlyInAnyOrder("topic nightshift.tasks literal Describe", "group nightshift-dispatch literal Describe");
        assertThat(acls).containsOnlyKeys("nightshift-ingest", "nightshift-dispatch", "nightshift-report", "nightshift-keda", "nightshift-registry");
        // no service may create, delete or reconfigure topics (they are Strimzi's), nor touch the cluster
        for (String service : List.of("nightshift-ingest", "nightshift-dispatch", "nightshift-report", "nightshift-keda")) {
            assertThat(acls.get(service)).as(service).noneMatch(rule -> rule.matches(".* (All|Create|Delete|Alter|AlterConfigs|ClusterAction|IdempotentWrite)$"))
                    .noneMatch(rule -> rule.startsWith("cluster ")).noneMatch(rule -> rule.contains(" * "));
        }
        // and every topic a service's ACL names is one the overlay declares
        Set<String> declared = kind(objects, "KafkaTopic").stream().map(t -> t.path("spec").path("topicName").asString()).collect(Collectors.toSet());
        acls.entrySet().stream().filter(e -> !e.getKey().equals("nightshift-registry")).flatMap(e -> e.getValue().stream())
                .filter(rule -> rule.startsWith("topic ")).map(rule -> rule.split(" ")[1]).forEach(topic -> assertThat(declared).contains(topic));
    }

    /**
     * Each deployment authenticates as its own user: the JAAS line from that user's Secret, SCRAM over TLS
     * trusting the cluster CA mounted where the settings say; and Spring binds those variables into every
     * client it builds (producer, consumer, admin), as the services do.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void eachServiceAuthenticatesToKafkaAsItsOwnUser(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        for (String name : List.of("ingest", "dispatch", "report")) {
            JsonNode pod = named(kind(objects, "Deployment"), name).path("spec").path("template").path("spec");
            JsonNode container = pod.path("containers").get(0);
            Map<String, Object> env = new HashMap<>();
            for (JsonNode from : container.path("envFrom")) {
                named(kind(objects, "ConfigMap"), from.path("configMapRef").path("name").asString()).path("data").properties()
                        .forEach(e -> env.put(e.getKey(), e.getValue().asString()));
            }
            String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"nightshift-" + name + "\" password=\"from-the-secret\";";
            for (JsonNode e : container.path("env")) {
                JsonNode ref = e.path("valueFrom").path("secretKeyRef");
                if (e.path("name").asString().equals("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG")) {
                    assertThat(ref.path("name").asString()).as(name + "'s Kafka user's Secret").isEqualTo("nightshift-" + name);
                    assertThat(ref.path("key").asString()).isEqualTo("sasl.jaas.config");
                    assertThat(ref.path("optional").asBoolean(false)).as(name + " does not start without it").isFalse();
                    env.put(e.path("name").asString(), jaas);
                } else if (e.has("value")) {
                    env.put(e.path("name").asString(), e.path("value").asString());
                }
            }
            assertThat(env).as(name).containsKey("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG");
            KafkaProperties kafka = new Binder(ConfigurationPropertySources.from(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env)))
                    .bind("spring.kafka", Bindable.ofInstance(new KafkaProperties())).get();
            for (Map<String, Object> client : List.of(kafka.buildProducerProperties(), kafka.buildConsumerProperties(), kafka.buildAdminProperties())) {
                assertThat(client).as(name).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                        .containsEntry("sasl.jaas.config", jaas).containsEntry("ssl.truststore.type", "PEM");
            }
            // the services' yml take the bootstrap servers from this variable: the TLS listener
            assertThat(env).as(name).containsEntry("KAFKA_BOOTSTRAP_SERVERS", "nightshift-kafka-bootstrap:9093");
            String truststore = (String) kafka.buildProducerProperties().get("ssl.truststore.location");
            String mount = container.path("volumeMounts").valueStream().filter(m -> m.path("name").asString().equals("kafka-ca"))
                    .map(m -> m.path("mountPath").asString()).findFirst().orElseThrow();
            assertThat(truststore).isEqualTo(mount + "/ca.crt");
            JsonNode ca = pod.path("volumes").valueStream().filter(v -> v.path("name").asString().equals("kafka-ca")).findFirst().orElseThrow();
            assertThat(ca.path("secret").path("secretName").asString()).isEqualTo("nightshift-cluster-ca-cert");
            assertThat(ca.path("secret").path("items").get(0).path("key").asString()).isEqualTo("ca.crt");
        }
        // KEDA reads dispatch's lag as its own user, over the same TLS listener
        JsonNode trigger = kind(objects, "ScaledObject").getFirst().path("spec").path("triggers").get(0);
        assertThat(trigger.path("metadata").path("sasl").asString()).isEqualTo("scram_sha512");
        assertThat(trigger.path("metadata").path("tls").asString()).isEqualTo("enable");
        JsonNode auth = named(kind(objects, "TriggerAuthentication"), trigger.path("authenticationRef").path("name").asString());
        assertThat(auth.path("spec").path("secretTargetRef").valueStream().map(r -> r.path("parameter").asString() + "=" + r.path("name").asString() + "/"
                + r.path("key").asString())).containsExactlyInAnyOrder("username=nightshift-keda-login/username", "password=nightshift-keda/password",
                "ca=nightshift-cluster-ca-cert/ca.crt");
        assertThat(decoded(named(kind(objects, "Secret"), "nightshift-keda-login")).get("username")).isEqualTo("nightshift-keda");
    }

    /** The model keys reach the dispatch pod only; ingest gets its webhook secrets, report its write-back tokens. */
    @ParameterizedTest
    @MethodSource("overlays")
    void onlyTheDispatchPodGetsTheModelKeys(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        Set<String> modelKeys = Set.of("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN");
        Map<String, Map<String, String>> secretEnv = new HashMap<>();
        for (JsonNode deployment : kind(objects, "Deployment")) {
            Map<String, String> fromSecrets = new HashMap<>();
            for (JsonNode container : deployment.path("spec").path("template").path("spec").path("containers")) {
                container.path("env").valueStream().filter(e -> e.path("valueFrom").has("secretKeyRef")).forEach(e -> fromSecrets.put(e.path("name").asString(),
                        e.path("valueFrom").path("secretKeyRef").path("name").asString() + "/" + e.path("valueFrom").path("secretKeyRef").path("key").asString()));
                assertThat(container.path("env").valueStream().map(e -> e.path("name").asString())).as("no other container names a model key")
                        .noneMatch(n -> modelKeys.contains(n) && !deployment.path("metadata").path("name").asString().equals("dispatch"));
            }
            secretEnv.put(deployment.path("metadata").path("name").asString(), fromSecrets);
        }
        assertThat(secretEnv.get("dispatch").keySet()).as("the model keys are files, not variables").containsExactlyInAnyOrder(
                "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "NIGHTSHIFT_SIGNING_KEY", "NIGHTSHIFT_MANAGEMENT_TOKEN");
        // mounted into dispatch alone, where its gateway reads them (nightshift.dispatch.gateway.credentials-directory)
        Map<String, List<String>> secretVolumes = new HashMap<>();
        for (JsonNode deployment : kind(objects, "Deployment")) {
            JsonNode pod = deployment.path("spec").path("template").path("spec");
            List<String> mounted = new ArrayList<>();
            for (JsonNode volume : pod.path("volumes")) {
                if (volume.path("secret").path("secretName").asString("").equals("nightshift-dispatch-secrets")) {
                    volume.path("secret").path("items").valueStream().forEach(i -> mounted.add(i.path("key").asString() + "->" + i.path("path").asString()));
                    String mountPath = pod.path("containers").get(0).path("volumeMounts").valueStream()
                            .filter(m -> m.path("name").asString().equals(volume.path("name").asString())).findFirst().orElseThrow()
                            .path("mountPath").asString();
                    assertThat(pod.path("containers").get(0).path("env").valueStream()
                            .filter(e -> e.path("name").asString().equals("NIGHTSHIFT_DISPATCH_GATEWAY_CREDENTIALS_DIRECTORY"))
                            .map(e -> e.path("value").asString())).containsExactly(mountPath);
                }
            }
            if (!mounted.isEmpty()) {
                secretVolumes.put(deployment.path("metadata").path("name").asString(), mounted);
            }
        }
        assertThat(secretVolumes).containsOnlyKeys("dispatch");
        assertThat(secretVolumes.get("dispatch")).containsExactlyInAnyOrder("anthropic-api-key->ANTHROPIC_API_KEY",
                "claude-code-oauth-token->CLAUDE_CODE_OAUTH_TOKEN", "openai-api-key->OPENAI_API_KEY");
        assertThat(secretEnv.get("ingest").keySet()).containsExactlyInAnyOrder("TODOIST_CLIENT_SECRET", "GITHUB_WEBHOOK_SECRET", "LINEAR_WEBHOOK_SECRET",
                "NIGHTSHIFT_API_TOKEN", "TODOIST_API_TOKEN", "GITHUB_TOKEN", "LINEAR_API_KEY",
                "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "NIGHTSHIFT_SIGNING_KEY", "NIGHTSHIFT_MANAGEMENT_TOKEN");
        assertThat(secretEnv.get("report").keySet()).containsExactlyInAnyOrder("TODOIST_API_TOKEN", "GITHUB_TOKEN", "LINEAR_API_KEY", "AIRTABLE_API_TOKEN",
                "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", "NIGHTSHIFT_SIGNING_KEY", "NIGHTSHIFT_MANAGEMENT_TOKEN");
        for (String name : List.of("ingest", "dispatch", "report")) {
            assertThat(secretEnv.get(name)).as(name + ": one signing key and one management token for all three")
                    .containsEntry("NIGHTSHIFT_SIGNING_KEY", "nightshift-shared-secrets/signing-key")
                    .containsEntry("NIGHTSHIFT_MANAGEMENT_TOKEN", "nightshift-shared-secrets/management-token");
        }
        assertThat(secretEnv.values().stream().flatMap(e -> e.values().stream())).as("nobody reads the dispatch Secret as variables")
                .noneMatch(v -> v.startsWith("nightshift-dispatch-secrets/"));
    }

    /** No secret value ships with the manifests, placeholder or not: the operator creates them (a missing one stops the pod). */
    @ParameterizedTest
    @MethodSource("overlays")
    void noSecretOrConfigMapShipsAPlaceholder(String overlay) throws Exception {
        List<JsonNode> objects = render(overlay);
        Pattern placeholder = Pattern.compile("(?i).*(change-?me|local-dev-secret|placeholder|replace-?me|your[-_ ]?(secret|token|key)|secret123|"
                + "password123|xxxx|dummy).*", Pattern.DOTALL);
        for (JsonNode object : objects) {
            String kind = object.path("kind").asString();
            if (kind.equals("Secret") || kind.equals("ConfigMap")) {
                Map<String, String> values = kind.equals("Secret") ? decoded(object) : new HashMap<>();
                object.path("data").properties().forEach(e -> values.putIfAbsent(e.getKey(), e.getValue().asString()));
                values.forEach((key, value) -> assertThat(value).as(kind + " " + object.path("metadata").path("name").asString() + " " + key)
                        .doesNotMatch(placeholder));
            }
        }
        // the one generated Secret is KEDA's user name, which is not a credential
        assertThat(kind(objects, "Secret")).extracting(o -> o.path("metadata").path("name").asString()).containsExactly("nightshift-keda-login");
        assertThat(decoded(kind(objects, "Secret").getFirst())).containsOnlyKeys("username");
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

    private static List<String> topic(String name, String... operations) {
        return Stream.of(operations).map(op -> "topic " + name + " literal " + op).toList();
    }

    @SafeVarargs
    private static Set<String> rules(List<String>... groups) {
        return Stream.of(groups).flatMap(List::stream).collect(Collectors.toSet());
    }

    private static Map<String, String> decoded(JsonNode secret) {
        Map<String, String> values = new HashMap<>();
        secret.path("data").properties().forEach(e -> values.put(e.getKey(), new String(Base64.getDecoder().decode(e.getValue().asString()), StandardCharsets.UTF_8)));
        secret.path("stringData").properties().forEach(e -> values.put(e.getKey(), e.getValue().asString()));
        return values;
    }

    /** A Kubernetes memory quantity in bytes (Ki, Mi, Gi, or plain). */
    private static long quantity(String q) {
        for (var unit : List.of(Map.entry("Ki", 1L << 10), Map.entry("Mi", 1L << 20), Map.entry("Gi", 1L << 30), Map.entry("Ti", 1L << 40))) {
            if (q.endsWith(unit.getKey())) {
                return Long.parseLong(q.substring(0, q.length() - 2)) * unit.getValue();
            }
        }
        return Long.parseLong(q);
    }
}
