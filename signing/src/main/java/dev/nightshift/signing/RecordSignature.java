package dev.nightshift.signing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * HMAC-SHA256 of a record as it travels: the key id, the topic and the serialized value (the Confluent wire
 * format, so the schema id too), each length-prefixed so no two inputs share an encoding. The topic is in it
 * so a record signed for one topic (a ledger entry, a dead letter) cannot be moved onto another; the key id
 * so a signature cannot be claimed for another key. The record key is not (a Kafka serializer never sees
 * it): consumers check that the record key matches the event's own task key.
 */
public final class RecordSignature {

    /** The id of the key that signed the record (UTF-8). */
    public static final String KEY_ID_HEADER = "nightshift-key-id";
    /** The 32 bytes of HMAC-SHA256. */
    public static final String SIGNATURE_HEADER = "nightshift-signature";
    private static final byte[] DOMAIN = "nightshift-record-v1".getBytes(StandardCharsets.UTF_8);

    private RecordSignature() {
    }

    static byte[] of(SigningKey key, String topic, byte[] value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
            field(mac, DOMAIN);
            field(mac, key.id().getBytes(StandardCharsets.UTF_8));
            field(mac, topic.getBytes(StandardCharsets.UTF_8));
            field(mac, value);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static void field(Mac mac, byte[] bytes) {
        mac.update(ByteBuffer.allocate(4).putInt(bytes == null ? -1 : bytes.length).array());
        if (bytes != null) {
            mac.update(bytes);
        }
    }

    /** Replaces any signature the headers hold with this key's over the topic and value. */
    public static void sign(SigningKey key, String topic, Headers headers, byte[] value) {
        headers.remove(KEY_ID_HEADER);
        headers.remove(SIGNATURE_HEADER);
        headers.add(KEY_ID_HEADER, key.id().getBytes(StandardCharsets.UTF_8));
        headers.add(SIGNATURE_HEADER, of(key, topic, value));
    }

    /** @throws RefusedRecord unsigned, signed with a key not accepted here, or mis-signed */
    public static void verify(SigningKeys keys, String topic, Headers headers, byte[] value) {
        Header id = headers == null ? null : headers.lastHeader(KEY_ID_HEADER);
        Header signature = headers == null ? null : headers.lastHeader(SIGNATURE_HEADER);
        if (id == null || signature == null || signature.value() == null) {
            throw new RefusedRecord(RefusedRecord.Reason.UNSIGNED, topic);
        }
        String keyId = id.value() == null ? "" : new String(id.value(), StandardCharsets.UTF_8);
        SigningKey key = keys.accepted(keyId).orElseThrow(() -> new RefusedRecord(RefusedRecord.Reason.UNKNOWN_KEY, topic));
        // constant time: how much of a forged signature matched must not show in how long the check took
        if (!MessageDigest.isEqual(of(key, topic, value), signature.value())) {
            throw new RefusedRecord(RefusedRecord.Reason.MIS_SIGNED, topic);
        }
    }
}
