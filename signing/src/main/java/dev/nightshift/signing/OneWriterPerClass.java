package dev.nightshift.signing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.apicurio.registry.serde.avro.DefaultAvroDatumProvider;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Apicurio's datum provider, with the writer of a generated record class kept while its schema object stays the
 * same. Apicurio keys its writer cache by {@code SchemaNormalization.parsingFingerprint64}, which it recomputes for
 * every record written: most of the serializer's cost on ingest's hot path. A generated class hands out one
 * static schema, so the identity check is enough; any other record (or another schema object) goes to Apicurio's
 * own cache. The writer is the one Apicurio would make ({@link SpecificDatumWriter}), and the bytes are the same.
 */
public class OneWriterPerClass<T> extends DefaultAvroDatumProvider<T> {

    private record Writer<T>(Schema schema, DatumWriter<T> writer) {
    }

    // bounded by the number of generated record classes
    private final Map<Class<?>, Writer<T>> writers = new ConcurrentHashMap<>();

    @Override
    public DatumWriter<T> createDatumWriter(T data, Schema schema) {
        if (!(data instanceof SpecificRecord)) {
            return super.createDatumWriter(data, schema);
        }
        Writer<T> known = writers.get(data.getClass());
        if (known != null && known.schema() == schema) {
            return known.writer();
        }
        Writer<T> made = new Writer<>(schema, new SpecificDatumWriter<>(schema));
        writers.put(data.getClass(), made);
        return made.writer();
    }
}
