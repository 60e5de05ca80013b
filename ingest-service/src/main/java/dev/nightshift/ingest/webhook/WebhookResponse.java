package dev.nightshift.ingest.webhook;

/** The JSON every webhook answers with: what happened, and for errors why. */
public record WebhookResponse(String result, String taskKey, String error) {

    public static WebhookResponse published(String taskKey) {
        return new WebhookResponse("published", taskKey, null);
    }

    public static WebhookResponse ignored(String why) {
        return new WebhookResponse("ignored", null, why);
    }

    public static WebhookResponse duplicate(String taskKey) {
        return new WebhookResponse("duplicate", taskKey, null);
    }

    public static WebhookResponse error(String result, String error) {
        return new WebhookResponse(result, null, error);
    }
}
