package dev.nightshift.report.airtable;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.nightshift.report.sink.SinkGate;
import dev.nightshift.report.sink.Target;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/**
 * The Airtable calls report makes. Each base is its own {@link Target}: Airtable limits requests per base,
 * so one busy base never slows another.
 */
public class AirtableClient {

    /** Airtable takes at most this many records in one request. */
    public static final int MAX_RECORDS = 10;

    private final RestClient client;
    private final AirtableProperties properties;
    private final SinkGate gate;
    private final MeterRegistry meters;
    private final Map<String, Target> bases = new ConcurrentHashMap<>();
    private final Target account;

    public AirtableClient(RestClient.Builder builder, AirtableProperties properties, SinkGate gate, MeterRegistry meters) {
        this.client = builder.clone()
                .baseUrl(properties.apiUrl().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.apiToken())
                .build();
        this.properties = properties;
        this.gate = gate;
        this.meters = meters;
        this.account = new Target("airtable", properties.limits(), gate, meters);
    }

    /**
     * Creates or updates these records (at most {@link #MAX_RECORDS}), matched on {@code mergeOn}: writing
     * the same records again changes nothing, which is what makes a repeated write harmless.
     */
    public void upsert(String base, String table, String mergeOn, List<Map<String, Object>> fields) {
        if (fields.size() > MAX_RECORDS) {
            throw new IllegalArgumentException("at most " + MAX_RECORDS + " records per request, not " + fields.size());
        }
        Map<String, Object> body = Map.of(
                "performUpsert", Map.of("fieldsToMergeOn", List.of(mergeOn)),
                "records", fields.stream().map(f -> Map.of("fields", f)).toList(),
                "typecast", true);
        bases.computeIfAbsent(base, b -> new Target("airtable " + b, properties.limits(), gate, meters))
                .call("Airtable upsert of " + fields.size() + " records into " + base + "/" + table,
                        () -> client.patch().uri("/{base}/{table}", base, table).contentType(MediaType.APPLICATION_JSON).body(body)
                                .retrieve().toBodilessEntity());
    }

    /** The token's user: passes when the token is accepted. */
    public void checkToken() {
        account.probe("Airtable GET /meta/whoami", () -> client.get().uri("/meta/whoami").retrieve().toBodilessEntity());
    }
}
