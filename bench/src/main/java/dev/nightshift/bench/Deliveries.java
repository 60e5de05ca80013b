package dev.nightshift.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

import dev.nightshift.ingest.github.GitHubSignature;
import dev.nightshift.ingest.todoist.TodoistSignature;
import dev.nightshift.testkit.GitHubWebhooks;
import dev.nightshift.testkit.TodoistWebhooks;

/**
 * The bench's four kinds of webhook delivery, each request a new task (a new Todoist task id, a new GitHub issue
 * number) with a new delivery id, signed as the source signs. The bodies are built once around a placeholder and
 * only the number is spliced in per request, so the load generator spends its CPU on sending, not formatting.
 *
 * @param key      what the bench and the load generator call it
 * @param name     how the results name it
 * @param expected the result a correct endpoint answers ("published" or "ignored")
 */
record Deliveries(String key, String name, String path, String expected, Template template) {

    static final String TODOIST_SECRET_ENV = "TODOIST_CLIENT_SECRET";
    static final String GITHUB_SECRET_ENV = "GITHUB_WEBHOOK_SECRET";
    private static final String PLACEHOLDER = "987654321";

    /** A delivery's body split around its placeholders, its extra headers, and how it is signed. */
    record Template(byte[][] parts, boolean numeric, String signatureHeader, BiFunction<byte[], String, String> sign, String secret,
            String deliveryHeader, String[] extraHeaders) {

        int sampleBytes() {
            return Arrays.stream(parts).mapToInt(p -> p.length).sum() + (parts.length - 1) * PLACEHOLDER.length();
        }
    }

    static List<Deliveries> all(String todoistSecret, String githubSecret) {
        return List.of(
                todoist("todoist-published", "Todoist, published", IngestBench.PROJECT, "published", todoistSecret),
                github("github-published", "GitHub, published", IngestBench.REPOSITORY, "published", githubSecret),
                todoist("todoist-ignored", "Todoist, ignored", "6Jf8VQXxNOBODY", "ignored", todoistSecret),
                github("github-ignored", "GitHub, ignored", "acme/elsewhere", "ignored", githubSecret));
    }

    static Optional<Deliveries> named(List<Deliveries> all, String key) {
        return all.stream().filter(d -> d.key().equals(key)).findFirst();
    }

    /** The i-th request of a run: its head (request line and headers) and its body. */
    Request request(int port, String run, long i) {
        // a GitHub issue number is a number; a Todoist id any string, here with the run in it
        String number = template.numeric() ? Long.toString(i) : run + String.format("%09d", i);
        byte[] n = number.getBytes(StandardCharsets.US_ASCII);
        int length = 0;
        for (byte[] part : template.parts()) {
            length += part.length;
        }
        byte[] body = new byte[length + (template.parts().length - 1) * n.length];
        int at = 0;
        for (int p = 0; p < template.parts().length; p++) {
            if (p > 0) {
                System.arraycopy(n, 0, body, at, n.length);
                at += n.length;
            }
            System.arraycopy(template.parts()[p], 0, body, at, template.parts()[p].length);
            at += template.parts()[p].length;
        }
        StringBuilder head = new StringBuilder(256).append("POST ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port)
                .append("\r\nContent-Type: application/json\r\nContent-Length: ").append(body.length)
                .append("\r\n").append(template.signatureHeader()).append(": ").append(template.sign().apply(body, template.secret()))
                .append("\r\n").append(template.deliveryHeader()).append(": bench-").append(key).append('-').append(run).append('-').append(i).append("\r\n");
        for (String h : template.extraHeaders()) {
            head.append(h).append("\r\n");
        }
        return new Request(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII), body);
    }

    record Request(byte[] head, byte[] body) {
    }

    /** A task as people write them: a title and a paragraph, which brings Todoist's delivery to about 1.3 KB. */
    private static Deliveries todoist(String key, String name, String project, String expected, String secret) {
        String body = TodoistWebhooks.itemAdded("T" + PLACEHOLDER, project, "Draft a post about Kafka transactions").replace("\"description\":\"\"",
                "\"description\":\"" + ("Explain what exactly-once means for a consumer that writes elsewhere, with the read-process-write "
                + "loop, the transactional id, fencing of zombies, and why isolation.level=read_committed matters to whoever reads "
                + "the output. Keep it under 800 words, one diagram, and link the KIP. ").repeat(2) + "\"");
        return new Deliveries(key, name, "/webhooks/todoist", expected, new Template(split(body), false, TodoistSignature.HEADER,
                TodoistSignature::sign, secret, "X-Todoist-Delivery-ID", new String[] {"User-Agent: Todoist-Webhooks"}));
    }

    /** An issue labelled {@code agent}: about 8 KB, as GitHub's deliveries are. */
    private static Deliveries github(String key, String name, String repository, String expected, String secret) {
        String body = GitHubWebhooks.labeled(repository, Integer.parseInt(PLACEHOLDER), "Login fails on Safari", "agent");
        return new Deliveries(key, name, "/webhooks/github", expected, new Template(split(body), true, GitHubSignature.HEADER,
                GitHubSignature::sign, secret, "X-GitHub-Delivery", new String[] {"X-GitHub-Event: issues", "User-Agent: GitHub-Hookshot/bench"}));
    }

    private static byte[][] split(String body) {
        return Arrays.stream(body.split(PLACEHOLDER, -1)).map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }
}
