package dev.nightshift.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import dev.nightshift.events.SpendEntry;
import dev.nightshift.events.TrustedEvents;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import io.apicurio.registry.serde.avro.DefaultAvroDatumProvider;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OneWriterPerClassTest {

    @BeforeAll
    static void trust() {
        TrustedEvents.trust();
    }

    private static SpendEntry entry(String runId, Double spent) {
        return SpendEntry.newBuilder().setDay("2026-12-06 UTC").setRunId(runId).setInstance("d-1").setReservedUsd(1.5)
                .setSpentUsd(spent).setAt(Instant.parse("2026-12-06T02:00:00Z")).build();
    }

    private static <T> byte[] write(DatumWriter<T> writer, T datum) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        writer.write(datum, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Test
    void writesTheBytesApicuriosOwnProviderWrites() throws IOException {
        OneWriterPerClass<SpendEntry> ours = new OneWriterPerClass<>();
        DefaultAvroDatumProvider<SpendEntry> apicurios = new DefaultAvroDatumProvider<>();
        for (SpendEntry e : new SpendEntry[] {entry("r-1", null), entry("r-2", 0.37)}) {
            assertThat(write(ours.createDatumWriter(e, SpendEntry.getClassSchema()), e))
                    .isEqualTo(write(apicurios.createDatumWriter(e, SpendEntry.getClassSchema()), e));
        }
    }

    @Test
    void keepsOneWriterPerClassWhileItsSchemaObjectStaysTheSame() {
        OneWriterPerClass<SpendEntry> provider = new OneWriterPerClass<>();
        DatumWriter<SpendEntry> first = provider.createDatumWriter(entry("r-1", null), SpendEntry.getClassSchema());
        assertThat(provider.createDatumWriter(entry("r-2", 1.0), SpendEntry.getClassSchema())).isSameAs(first);

        // an equal schema, but another object (as after a schema change at run time): a writer for it
        Schema copy = new Schema.Parser().parse(SpendEntry.getClassSchema().toString());
        assertThat(provider.createDatumWriter(entry("r-3", null), copy)).isNotSameAs(first);
    }

    @Test
    void signedSerializerUsesItUnlessTheProducerNamesAnother() {
        Map<String, Object> configs = new HashMap<>(Map.of(SigningKeys.KEY, "k1:" + SigningKeysTest.SECRET));
        assertThat(configured(configs).get(AvroSerdeConfig.AVRO_DATUM_PROVIDER)).isEqualTo(OneWriterPerClass.class.getName());

        configs.put(AvroSerdeConfig.AVRO_DATUM_PROVIDER, DefaultAvroDatumProvider.class.getName());
        assertThat(configured(configs).get(AvroSerdeConfig.AVRO_DATUM_PROVIDER)).isEqualTo(DefaultAvroDatumProvider.class.getName());
    }

    /** What Apicurio's serializer would be configured with. */
    private static Map<String, ?> configured(Map<String, Object> configs) {
        Map<String, Object> seen = new HashMap<>();
        Serializer<Object> delegate = new Serializer<>() {
            @Override
            public void configure(Map<String, ?> c, boolean isKey) {
                seen.putAll(c);
            }

            @Override
            public byte[] serialize(String topic, Object data) {
                return new byte[0];
            }
        };
        new SignedSerializer<>(delegate).configure(configs, false);
        return seen;
    }
}
