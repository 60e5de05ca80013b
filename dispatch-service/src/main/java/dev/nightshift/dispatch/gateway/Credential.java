package dev.nightshift.dispatch.gateway;

/** What the gateway adds to an agent's request: only the gateway ever holds it. */
public sealed interface Credential {

    String value();

    /** Where it came from (a variable's or a file's name), for logs: never the value. */
    String source();

    /** An API key (pay as you go). */
    record ApiKey(String value, String source) implements Credential {
        @Override
        public String toString() {
            return "API key from " + source;
        }
    }

    /** A subscription's OAuth token, such as {@code claude setup-token} makes. */
    record OAuthToken(String value, String source) implements Credential {
        @Override
        public String toString() {
            return "OAuth token from " + source;
        }
    }
}
