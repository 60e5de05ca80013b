package dev.nightshift.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;


/**
 * Linear webhook deliveries in Linear's format (data-change webhooks for issues and {@code AgentSessionEvent}s,
 * shaped as in Linear's developer docs), signed as Linear signs them and stamped with the time they are built.
 */
public final class LinearWebhooks {

    public static final String TEAM_ID = "72b2a2dc-6f4f-4423-9d34-24b5bd10634a";
    public static final String LABEL_ID = "1f3d7b1e-0d1a-4b6e-9c55-8d2f0e3c2a11";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private LinearWebhooks() {
    }

    public static String issueData(String identifier, String title, List<String> labels, String stateName, String stateType) {
        String id = UUID.nameUUIDFromBytes(identifier.getBytes(StandardCharsets.UTF_8)).toString();
        return """
                {"id":"%1$s","createdAt":"2026-11-21T15:20:56.000Z","updatedAt":"2026-11-21T15:21:03.000Z","number":%2$s,\
                "title":"%3$s","description":"The export button does nothing on Firefox.","priority":2,"boardOrder":0,\
                "sortOrder":-1523.54,"teamId":"%4$s","stateId":"8c0f4f8e-6b2e-4a44-9d0a-0f0a5f4b1c2d",\
                "creatorId":"a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d","assigneeId":null,"labelIds":[%5$s],\
                "subscriberIds":["a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d"],"previousIdentifiers":[],"identifier":"%6$s",\
                "priorityLabel":"High","url":"https://linear.app/acme/issue/%6$s/export-does-nothing",\
                "state":{"id":"8c0f4f8e-6b2e-4a44-9d0a-0f0a5f4b1c2d","color":"#e2e2e2","name":"%7$s","type":"%8$s"},\
                "team":{"id":"%4$s","key":"ENG","name":"Engineering"},"labels":[%9$s]}"""
                .formatted(id, identifier.substring(identifier.indexOf('-') + 1), title, TEAM_ID,
                        labels.stream().map(l -> "\"" + labelId(l) + "\"").collect(Collectors.joining(",")), identifier, stateName, stateType,
                        labels.stream().map(l -> "{\"id\":\"" + labelId(l) + "\",\"color\":\"#5e6ad2\",\"name\":\"" + l + "\"}")
                                .collect(Collectors.joining(",")));
    }

    public static String labelId(String name) {
        return name.equals("agent") ? LABEL_ID : UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** An {@code Issue} data-change webhook; {@code updatedFrom} is the JSON object of previous values, or null. */
    public static String issue(String action, String data, String updatedFrom, String actorType, String actorId, long timestamp) {
        return """
                {"action":"%1$s","actor":{"id":"%2$s","type":"%3$s","name":"Alice","email":"alice@example.com",\
                "url":"https://linear.app/acme/profiles/alice"},"createdAt":"2026-11-21T15:21:03.000Z","data":%4$s,%5$s\
                "url":"https://linear.app/acme/issue/ENG","type":"Issue","organizationId":"0c7c5e1b-3f7a-4b5d-8e2c-9a1b2c3d4e5f",\
                "webhookTimestamp":%6$d,"webhookId":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"}"""
                .formatted(action, actorId, actorType, data, updatedFrom == null ? "" : "\"updatedFrom\":" + updatedFrom + ",", timestamp);
    }

    public static String session(String action, String sessionId, String identifier, String title, String activity, long timestamp) {
        String issueId = UUID.nameUUIDFromBytes(identifier.getBytes(StandardCharsets.UTF_8)).toString();
        return """
                {"type":"AgentSessionEvent","action":"%1$s","createdAt":"2026-11-21T15:21:03.000Z",\
                "organizationId":"0c7c5e1b-3f7a-4b5d-8e2c-9a1b2c3d4e5f","oauthClientId":"5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e8f",\
                "appUserId":"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a","agentSession":{"id":"%2$s","createdAt":"2026-11-21T15:21:03.000Z",\
                "updatedAt":"2026-11-21T15:21:03.000Z","archivedAt":null,"creatorId":"a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d",\
                "appUserId":"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a","commentId":"c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",\
                "issueId":"%3$s","status":"pending","startedAt":null,"endedAt":null,"type":"commentThread","summary":null,\
                "sourceMetadata":null,"organizationId":"0c7c5e1b-3f7a-4b5d-8e2c-9a1b2c3d4e5f",\
                "creator":{"id":"a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d","name":"Alice","email":"alice@example.com",\
                "avatarUrl":null,"url":"https://linear.app/acme/profiles/alice"},\
                "comment":{"id":"c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f","body":"@nightshift can you fix this?",\
                "userId":"a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d"},\
                "issue":{"id":"%3$s","title":"%5$s","teamId":"%6$s","team":{"id":"%6$s","key":"ENG","name":"Engineering"},\
                "identifier":"%4$s","url":"https://linear.app/acme/issue/%4$s/export-does-nothing",\
                "description":"The export button does nothing on Firefox."}},"previousComments":[],"guidance":null,\
                "promptContext":"<issue identifier=\\"%4$s\\"><title>%5$s</title></issue>",%7$s\
                "webhookTimestamp":%8$d,"webhookId":"3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"}"""
                .formatted(action, sessionId, issueId, identifier, title, TEAM_ID, activity == null ? "" : "\"agentActivity\":" + activity + ",",
                        timestamp);
    }

    public static String prompt(String id, String body, String signal) {
        return """
                {"id":"%s","createdAt":"2026-11-21T15:22:00.000Z","agentSessionId":"s","sourceCommentId":null,\
                "content":{"type":"prompt","body":"%s"},"signal":%s}""".formatted(id, body, signal == null ? "null" : "\"" + signal + "\"");
    }

    public static HttpResponse<String> send(String url, String body, String secret, String deliveryId) throws IOException, InterruptedException {
        return sendSigned(url, body, HmacSha256.hex(body, secret), deliveryId);
    }

    public static HttpResponse<String> sendSigned(String url, String body, String signature, String deliveryId)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "Linear-Webhook")
                .header("Linear-Event", body.contains("\"AgentSessionEvent\"") ? "AgentSessionEvent" : "Issue")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (deliveryId != null) {
            request.header("Linear-Delivery", deliveryId);
        }
        if (signature != null) {
            request.header("Linear-Signature", signature);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
