package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.nightshift.dispatch.DispatchProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * docker-compose.yml as {@code docker-compose config} resolves it (no Docker engine needed), checked for the
 * trust boundaries: only ingest published (Grafana on 127.0.0.1, with a login), memory and pids limits on
 * every container (dispatch's sized for its runs), each Kafka client its own SCRAM user, the model keys in
 * dispatch only, no start without the required secrets; and the broker's ACLs (ops/kafka/start.sh) the same
 * as the Kubernetes KafkaUsers but for creating the topics the services create here.
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    /** Stand-ins for the secrets compose requires, as .ci/run gives them. */
    private static final Map<String, String> REQUIRED = new LinkedHashMap<>();

    static {
        REQUIRED.put("NIGHTSHIFT_SIGNING_KEY", "ci:0123456789abcdef0123456789abcdef");
        REQUIRED.put("NIGHTSHIFT_MANAGEMENT_TOKEN", "ci-management");
        REQUIRED.put("NIGHTSHIFT_KAFKA_INGEST_PASSWORD", "ci-ingest");
        REQUIRED.put("NIGHTSHIFT_KAFKA_DISPATCH_PASSWORD", "ci-dispatch");
        REQUIRED.put("NIGHTSHIFT_KAFKA_REPORT_PASSWORD", "ci-report");
        REQUIRED.put("NIGHTSHIFT_KAFKA_REGISTRY_PASSWORD", "ci-registry");
        REQUIRED.put("GRAFANA_ADMIN_PASSWORD", "ci-grafana");
        REQUIRED.put("TODOIST_CLIENT_SECRET", "ci-todoist");
    }

    @Test
    void onlyIngestIsPublishedAndGrafanaOnLoopbackWithALogin() throws Exception {
        JsonNode services = config(REQUIRED).path("services");
        Map<String, List<String>> published = new HashMap<>();
        services.properties().forEach(s -> published.put(s.getKey(), ports(s.getValue())));
        assertThat(published).containsEntry("ingest", List.of("0.0.0.0:8080->8080")).containsEntry("grafana", List.of("127.0.0.1:3000->3000"));
        published.forEach((service, ports) -> {
            if (!service.equals("ingest") && !service.equals("grafana")) {
                assertThat(ports).as(service + " is reachable inside the compose network only").isEmpty();
            }
        });
        JsonNode grafana = services.path("grafana").path("environment");
        assertThat(grafana.path("GF_AUTH_ANONYMOUS_ENABLED").asString()).isEqualTo("false");
        assertThat(grafana.path("GF_SECURITY_ADMIN_PASSWORD").asString()).isEqualTo("ci-grafana");
    }

    @Test
    void everyContainerHasMemoryAndPidsLimitsAndDispatchsFitItsRuns() throws Exception {
        JsonNode services = config(REQUIRED).path("services");
        assertThat(services.propertyNames()).containsExactlyInAnyOrder("kafka", "registry", "ingest", "dispatch", "report", "prometheus", "grafana");
        for (var service : services.properties()) {
            assertThat(bytes(service.getValue().path("mem_limit").asString(""))).as(service.getKey() + "'s mem_limit").isPositive();
            assertThat(service.getValue().path("pids_limit").asLong(0)).as(service.getKey() + "'s pids_limit").isPositive();
        }
        JsonNode dispatch = services.path("dispatch");
        DispatchProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of(
                "nightshift.dispatch.workspaces-root", "/w", "nightshift.dispatch.agents.claude.binary", "claude")))
                .bind("nightshift.dispatch", DispatchProperties.class).get();
        int runs = dispatch.path("environment").path("DISPATCH_MAX_RUNS").asInt();
        assertThat(runs).isPositive();
        // every run at its default process limit, and the JVM's threads beside them
        assertThat(dispatch.path("pids_limit").asLong()).isGreaterThan((long) runs * defaults.sandbox().limits().processes());
        assertThat(bytes(dispatch.path("mem_limit").asString())).as("the JVM and a gigabyte and a half a run")
                .isGreaterThanOrEqualTo((1L << 30) + runs * (3L << 29));
    }

    @Test
    void dispatchsStopGraceOutlastsItsShutdownWait() throws Exception {
        JsonNode dispatch = config(REQUIRED).path("services").path("dispatch");
        DispatchProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of(
                "nightshift.dispatch.workspaces-root", "/w", "nightshift.dispatch.agents.claude.binary", "claude")))
                .bind("nightshift.dispatch", DispatchProperties.class).get();
        assertThat(dispatch.path("environment").has("NIGHTSHIFT_DISPATCH_SHUTDOWN_WAIT")).as("the default shutdown-wait").isFalse();
        // compose writes it as Go does (6m0s); Docker's SIGKILL must not come before the runs in progress are handed over
        Duration grace = Duration.parse("PT" + dispatch.path("stop_grace_period").asString().toUpperCase());
        assertThat(grace).isGreaterThan(defaults.shutdownWait().plus(defaults.killGrace()));
    }

    @Test
    void eachKafkaClientIsItsOwnScramUserAndOnlyDispatchGetsTheModelKeys() throws Exception {
        JsonNode services = config(REQUIRED).path("services");
        for (String name : List.of("ingest", "dispatch", "report")) {
            JsonNode env = services.path(name).path("environment");
            assertThat(env.path("KAFKA_BOOTSTRAP_SERVERS").asString()).isEqualTo("kafka:9092");
            assertThat(env.path("SPRING_KAFKA_SECURITY_PROTOCOL").asString()).isEqualTo("SASL_PLAINTEXT");
            assertThat(env.path("SPRING_KAFKA_PROPERTIES_SASL_MECHANISM").asString()).isEqualTo("SCRAM-SHA-512");
            assertThat(env.path("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG").asString()).isEqualTo(
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"nightshift-" + name + "\" password=\"ci-" + name + "\";");
            assertThat(env.path("NIGHTSHIFT_SIGNING_KEY").asString()).isEqualTo(REQUIRED.get("NIGHTSHIFT_SIGNING_KEY"));
            assertThat(env.path("NIGHTSHIFT_MANAGEMENT_TOKEN").asString()).isEqualTo(REQUIRED.get("NIGHTSHIFT_MANAGEMENT_TOKEN"));
        }
        JsonNode registry = services.path("registry").path("environment");
        assertThat(registry.path("APICURIO_KAFKA_COMMON_SECURITY_PROTOCOL").asString()).isEqualTo("SASL_PLAINTEXT");
        assertThat(registry.path("APICURIO_KAFKA_COMMON_SASL_JAAS_CONFIG").asString()).contains("username=\"nightshift-registry\" password=\"ci-registry\"");
        JsonNode kafka = services.path("kafka").path("environment");
        assertThat(kafka.path("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").asString()).contains("CLIENTS:SASL_PLAINTEXT");
        assertThat(kafka.path("KAFKA_LISTENERS").asString()).as("the unauthenticated listeners are the container's own")
                .isEqualTo("CLIENTS://:9092,INTERNAL://localhost:9094,CONTROLLER://localhost:9093");
        assertThat(kafka.path("KAFKA_AUTHORIZER_CLASS_NAME").asString()).isEqualTo("org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        assertThat(kafka.path("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND").asString()).isEqualTo("false");
        assertThat(kafka.propertyNames()).as("the image copies KAFKA_* into server.properties: no password there")
                .noneMatch(n -> n.startsWith("KAFKA_") && n.contains("PASSWORD"));

        Set<String> modelKeys = Set.of("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN");
        services.properties().forEach(s -> {
            if (!s.getKey().equals("dispatch")) {
                assertThat(s.getValue().path("environment").propertyNames()).as(s.getKey()).noneMatch(modelKeys::contains);
            }
        });
        assertThat(services.path("dispatch").path("environment").propertyNames()).containsAll(modelKeys);
        assertThat(services.path("report").path("environment").propertyNames()).doesNotContain("TODOIST_CLIENT_SECRET", "GITHUB_WEBHOOK_SECRET",
                "LINEAR_WEBHOOK_SECRET", "NIGHTSHIFT_API_TOKEN");
        assertThat(services.path("ingest").path("environment").propertyNames()).doesNotContain("AIRTABLE_API_TOKEN");
    }

    @Test
    void composeRefusesToStartWithoutEachRequiredSecretAndNamesIt() throws Exception {
        for (String missing : REQUIRED.keySet()) {
            Map<String, String> env = new HashMap<>(REQUIRED);
            env.remove(missing);
            Result result = run(env, "config", "-q");
            assertThat(result.exit()).as("docker-compose config without " + missing).isNotZero();
            assertThat(result.error()).contains("set " + missing + " in .env");
        }
    }

    /** The broker's ACLs in compose are the Kubernetes KafkaUsers' plus Create on the topics the services create here. */
    @Test
    void composeGrantsTheKubernetesAclsPlusCreatingTheServicesOwnTopics() throws Exception {
        Map<String, Set<String>> kubernetes = new HashMap<>();
        YAML.readerFor(JsonNode.class).readValues(Files.readString(ROOT.resolve("k8s/base/kafka-users.yaml"))).forEachRemaining(o -> {
            JsonNode user = (JsonNode) o;
            Set<String> rules = new TreeSet<>();
            for (JsonNode acl : user.path("spec").path("authorization").path("acls")) {
                JsonNode r = acl.path("resource");
                acl.path("operations").valueStream().forEach(op -> rules.add(r.path("type").asString() + " " + r.path("name").asString() + " "
                        + (r.path("patternType").asString("literal").equals("prefix") ? "prefixed" : "literal") + " " + op.asString()));
            }
            kubernetes.put(user.path("metadata").path("name").asString(), rules);
        });
        Map<String, Set<String>> compose = new HashMap<>();
        Matcher allow = Pattern.compile("(?m)^allow (\\w+)\\s+--(topic|group|transactional-id) (\\S+)( --resource-pattern-type prefixed)? -- (.+)$")
                .matcher(Files.readString(ROOT.resolve("ops/kafka/start.sh")));
        while (allow.find()) {
            String type = allow.group(2).equals("transactional-id") ? "transactionalId" : allow.group(2);
            for (String op : allow.group(5).trim().split(" ")) {
                compose.computeIfAbsent("nightshift-" + allow.group(1), u -> new TreeSet<>())
                        .add(type + " " + allow.group(3) + " " + (allow.group(4) == null ? "literal" : "prefixed") + " " + op);
            }
        }
        assertThat(compose).containsOnlyKeys("nightshift-ingest", "nightshift-dispatch", "nightshift-report", "nightshift-registry");
        for (var user : compose.entrySet()) {
            Set<String> withoutCreate = new TreeSet<>(user.getValue());
            if (!user.getKey().equals("nightshift-registry")) {
                withoutCreate.removeIf(rule -> rule.endsWith(" Create"));
                // a service creates only topics it also writes
                user.getValue().stream().filter(rule -> rule.endsWith(" Create"))
                        .forEach(rule -> assertThat(user.getValue()).contains(rule.replace(" Create", " Write")));
            }
            assertThat(withoutCreate).as(user.getKey()).isEqualTo(kubernetes.get(user.getKey()));
        }
        // every password the script reads is one compose gives the broker
        Matcher users = Pattern.compile("for user in ([a-z ]+); do").matcher(Files.readString(ROOT.resolve("ops/kafka/start.sh")));
        assertThat(users.find()).isTrue();
        assertThat(Stream.of(users.group(1).split(" ")).map(u -> "nightshift-" + u)).containsExactlyInAnyOrderElementsOf(compose.keySet());
    }

    /** "host:published->target" for each published port, in either form docker-compose prints. */
    private static List<String> ports(JsonNode service) {
        List<String> ports = new ArrayList<>();
        for (JsonNode port : service.path("ports")) {
            if (port.isString()) {
                // short form: [host_ip:]published:target[/protocol]
                String[] parts = port.asString().replaceAll("/\\w+$", "").split(":");
                String host = parts.length == 3 ? parts[0] : "0.0.0.0";
                ports.add(host + ":" + parts[parts.length - 2] + "->" + parts[parts.length - 1]);
            } else {
                ports.add(port.path("host_ip").asString("0.0.0.0") + ":" + port.path("published").asString() + "->" + port.path("target").asString());
            }
        }
        return ports;
    }

    /** Bytes of a compose size: 8g, 1536m, 512m, or a plain number. */
    private static long bytes(String size) {
        Matcher m = Pattern.compile("(?i)(\\d+)([kmg]?)b?").matcher(size.strip());
        if (!m.matches()) {
            return 0;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase()) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            default -> n;
        };
    }

    private static JsonNode config(Map<String, String> env) throws Exception {
        Result result = run(env, "config");
        assertThat(result.exit()).as("docker-compose config: " + result.error()).isZero();
        return YAML.readTree(result.output());
    }

    private record Result(int exit, String output, String error) {
    }

    private static Result run(Map<String, String> env, String... args) throws Exception {
        Optional<Path> compose = Stream.of(System.getenv("PATH").split(":")).map(p -> Path.of(p, "docker-compose")).filter(Files::isExecutable).findFirst();
        if (compose.isEmpty() && "1".equals(System.getenv("NIGHTSHIFT_REQUIRE_COMPOSE"))) {
            throw new IllegalStateException("NIGHTSHIFT_REQUIRE_COMPOSE=1 but docker-compose is not installed");
        }
        assumeTrue(compose.isPresent(), "docker-compose is not installed: docker-compose.yml is not resolved");
        // no .env either (an empty one instead): only what the test gives
        Path noEnvFile = Files.createTempFile("compose", ".env");
        List<String> command = new ArrayList<>(List.of(compose.get().toString(), "--env-file", noEnvFile.toString(), "-f",
                ROOT.resolve("docker-compose.yml").toString()));
        command.addAll(List.of(args));
        Path errors = Files.createTempFile("compose", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectError(errors.toFile());
        // only what the test gives: no .env of the developer's, no secret of the machine's
        builder.environment().keySet().removeIf(k -> REQUIRED.containsKey(k) || k.startsWith("NIGHTSHIFT_") || k.startsWith("DISPATCH_"));
        builder.environment().putAll(env);
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        String error = Files.readString(errors);
        Files.delete(errors);
        Files.delete(noEnvFile);
        return new Result(exit, output, error);
    }
}
