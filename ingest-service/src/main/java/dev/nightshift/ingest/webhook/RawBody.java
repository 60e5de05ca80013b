package dev.nightshift.ingest.webhook;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.http.HttpServletRequest;

/** The exact bytes a sender signed, read with a cap so a huge body costs at most the cap. */
public final class RawBody {

    private RawBody() {
    }

    public static byte[] read(HttpServletRequest request, int maxBytes) throws IOException {
        if (request.getContentLengthLong() > maxBytes) {
            throw WebhookRejected.tooLarge(maxBytes);
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes(maxBytes + 1);
            if (body.length > maxBytes) {
                throw WebhookRejected.tooLarge(maxBytes);
            }
            return body;
        }
    }
}
