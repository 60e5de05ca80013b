package dev.nightshift.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Through the serdes as Kafka calls them, with a plain string serializer standing in for Avro. */
class RecordSignatureTest {

    static final String OLD = "k1:" + "o".repeat(40);
    static final String NEW = "k2:" + "n".repeat(40);

    private final SignedSerializer<String> signer = serializer(NEW);
    private final VerifyingDeserializer<String> verifier = deserializer(NEW, OLD);

    @Test
    void aSignedRecordReadsBack() {
        Headers headers = new RecordHeaders();
        byte[] value = signer.serialize("nightshift.tasks", headers, "run codex");
        assertThat(new String(headers.lastHeader(RecordSignature.KEY_ID_HEADER).value(), StandardCharsets.UTF_8)).isEqualTo("k2");
        assertThat(headers.lastHeader(RecordSignature.SIGNATURE_HEADER).value()).hasSize(32);
        assertThat(verifier.deserialize("nightshift.tasks", headers, value)).isEqualTo("run codex");
    }

    @Test
    void anUnsignedRecordIsRefused() {
        byte[] value = "run codex".getBytes(StandardCharsets.UTF_8);
        assertRefused(() -> verifier.deserialize("nightshift.tasks", new RecordHeaders(), value), RefusedRecord.Reason.UNSIGNED);
        assertRefused(() -> verifier.deserialize("nightshift.tasks", value), RefusedRecord.Reason.UNSIGNED);
    }

    @Test
    void aRecordSignedWithAnotherSecretIsMisSigned() {
        Headers headers = new RecordHeaders();
        byte[] value = serializer("k2:" + "x".repeat(40)).serialize("nightshift.tasks", headers, "run codex");
        assertRefused(() -> verifier.deserialize("nightshift.tasks", headers, value), RefusedRecord.Reason.MIS_SIGNED);
    }

    @Test
    void aRecordSignedWithAKeyNotAcceptedIsRefused() {
        Headers headers = new RecordHeaders();
        byte[] value = serializer("k9:" + "x".repeat(40)).serialize("nightshift.tasks", headers, "run codex");
        assertRefused(() -> verifier.deserialize("nightshift.tasks", headers, value), RefusedRecord.Reason.UNKNOWN_KEY);
    }

    @Test
    void aChangedValueOrAnotherTopicBreaksTheSignature() {
        Headers headers = new RecordHeaders();
        byte[] value = signer.serialize("nightshift.ledger", headers, "succeeded");
        byte[] changed = "succeedeD".getBytes(StandardCharsets.UTF_8);
        assertRefused(() -> verifier.deserialize("nightshift.ledger", headers, changed), RefusedRecord.Reason.MIS_SIGNED);
        assertRefused(() -> verifier.deserialize("nightshift.tasks", headers, value), RefusedRecord.Reason.MIS_SIGNED);
        assertRefused(() -> verifier.deserialize("nightshift.ledger", headers, (byte[]) null), RefusedRecord.Reason.MIS_SIGNED);
    }

    @Test
    void claimingAnotherKeyIdBreaksTheSignature() {
        Headers headers = new RecordHeaders();
        byte[] value = signer.serialize("nightshift.tasks", headers, "run codex");
        headers.remove(RecordSignature.KEY_ID_HEADER);
        headers.add(RecordSignature.KEY_ID_HEADER, "k1".getBytes(StandardCharsets.UTF_8));
        assertRefused(() -> verifier.deserialize("nightshift.tasks", headers, value), RefusedRecord.Reason.MIS_SIGNED);
    }

    @Test
    void duringRotationTheAcceptedOldKeyStillVerifies() {
        Headers headers = new RecordHeaders();
        byte[] value = serializer(OLD).serialize("nightshift.runs", headers, "finished");
        assertThat(verifier.deserialize("nightshift.runs", headers, value)).isEqualTo("finished");
        assertRefused(() -> deserializer(NEW, "").deserialize("nightshift.runs", headers, value), RefusedRecord.Reason.UNKNOWN_KEY);
    }

    @Test
    void signingAgainReplacesTheSignature() {
        Headers headers = new RecordHeaders();
        signer.serialize("nightshift.runs", headers, "first");
        byte[] value = signer.serialize("nightshift.runs", headers, "second");
        assertThat(headers.headers(RecordSignature.SIGNATURE_HEADER)).hasSize(1);
        assertThat(verifier.deserialize("nightshift.runs", headers, value)).isEqualTo("second");
    }

    @Test
    void serdesWithoutAKeyDoNotStart() {
        assertThatThrownBy(() -> new SignedSerializer<>(new StringSerializer()).configure(Map.of(), false))
                .hasMessageContaining("nightshift.signing.key (NIGHTSHIFT_SIGNING_KEY) is not set");
        assertThatThrownBy(() -> new VerifyingDeserializer<>(new StringDeserializer()).configure(Map.of(SigningKeys.KEY, "k1:change-me"), false))
                .hasMessageContaining("placeholder");
    }

    private static void assertRefused(Runnable read, RefusedRecord.Reason reason) {
        assertThatThrownBy(read::run).isInstanceOfSatisfying(RefusedRecord.class, r -> assertThat(r.reason()).isEqualTo(reason));
    }

    private static SignedSerializer<String> serializer(String key) {
        SignedSerializer<String> s = new SignedSerializer<>(new StringSerializer());
        s.configure(Map.of(SigningKeys.KEY, key), false);
        return s;
    }

    private static VerifyingDeserializer<String> deserializer(String key, String accepted) {
        VerifyingDeserializer<String> d = new VerifyingDeserializer<>(new StringDeserializer());
        d.configure(Map.of(SigningKeys.KEY, key, SigningKeys.ACCEPTED_KEYS, accepted), false);
        return d;
    }
}
