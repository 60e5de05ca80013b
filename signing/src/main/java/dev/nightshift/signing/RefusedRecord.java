package dev.nightshift.signing;

import java.util.Optional;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record read from a topic only Nightshift's services write, which none of them signed: it is parked,
 * never obeyed. A {@link SerializationException}, so Kafka and spring-kafka treat it as a record that cannot
 * be read (spring-kafka's ErrorHandlingDeserializer hands it to the error handler, which parks it).
 */
public class RefusedRecord extends SerializationException {

    /** The record header a parked record's reason travels in (the tag value of the refusals meter). */
    public static final String REASON_HEADER = "nightshift-refused";

    public enum Reason {
        /** no key id or no signature */
        UNSIGNED("unsigned"),
        /** signed with a key id this service does not accept */
        UNKNOWN_KEY("unknown-key"),
        /** the signature does not match the record */
        MIS_SIGNED("mis-signed"),
        /** signed, but under another record key than the event's own task key (moved to another partition) */
        KEY_MISMATCH("key-mismatch");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private final Reason reason;

    public RefusedRecord(Reason reason, String topic) {
        super("refused a record on " + topic + ": " + reason.tag() + " (records on it must be signed by a Nightshift service with an accepted key,"
                + " see nightshift.signing.key)");
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The refusal behind a failure, if that is what it is (wrapped by Kafka or spring-kafka or not). */
    public static Optional<RefusedRecord> in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RefusedRecord refused) {
                return Optional.of(refused);
            }
        }
        return Optional.empty();
    }
}
