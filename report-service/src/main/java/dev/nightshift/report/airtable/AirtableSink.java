package dev.nightshift.report.airtable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.nightshift.events.AirtableOutput;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFields;
import dev.nightshift.events.RunFinished;
import dev.nightshift.report.sink.CredentialedSink;
import dev.nightshift.report.target.TargetFault;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Airtable: a record per finished run, its fields rendered from the worker's templates, upserted on the
 * worker's external-id field holding the run id (so writing it again after a crash changes nothing). Runs
 * are taken in batches and written up to ten to a request, as many requests as Airtable's 5 a second allow.
 */
@Component
public class AirtableSink extends CredentialedSink {

    private final AirtableClient airtable;

    public AirtableSink(RestClient.Builder http, AirtableProperties properties, MeterRegistry meters) {
        super("airtable", AirtableProperties.TOKEN_SETTING, properties.configured(), meters);
        this.airtable = new AirtableClient(http, properties, gate(), meters);
    }

    @Override
    public void checkCredential() {
        airtable.checkToken();
    }

    @Override
    public boolean wants(RunEvent event) {
        return event.getBody() instanceof RunFinished && OutputSinks.find(event.getOutputs(), AirtableOutput.class).isPresent();
    }

    @Override
    public boolean writesInBatches() {
        return true;
    }

    @Override
    public void write(RunEvent event) {
        writeAll(List.of(event));
    }

    /**
     * Consecutive runs for the same table go in one request, up to ten. A request Airtable refuses is written
     * again one record at a time, so one bad record does not take nine good ones with it.
     */
    @Override
    public void writeAll(List<RunEvent> events) {
        int start = 0;
        while (start < events.size()) {
            AirtableOutput table = output(events.get(start));
            int end = start + 1;
            while (end < events.size() && end - start < AirtableClient.MAX_RECORDS && sameTable(table, output(events.get(end)))) {
                end++;
            }
            try {
                upsert(table, events.subList(start, end));
            } catch (TargetFault.Refused refused) {
                if (end - start == 1) {
                    throw new Unwritten(start, refused);
                }
                for (int i = start; i < end; i++) {
                    try {
                        upsert(table, List.of(events.get(i)));
                    } catch (TargetFault fault) {
                        throw new Unwritten(i, fault);
                    }
                }
            } catch (TargetFault fault) {
                throw new Unwritten(start, fault);
            }
            start = end;
        }
    }

    private void upsert(AirtableOutput table, List<RunEvent> runs) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (RunEvent run : runs) {
            RunFinished finished = (RunFinished) run.getBody();
            Map<String, Object> fields = new LinkedHashMap<>();
            table.getFields().forEach((field, template) -> fields.put(field, RunFields.render(template, run, finished)));
            fields.put(table.getExternalIdField(), run.getRunId());
            records.add(fields);
        }
        airtable.upsert(table.getBase(), table.getTable(), table.getExternalIdField(), records);
    }

    private static AirtableOutput output(RunEvent event) {
        return OutputSinks.find(event.getOutputs(), AirtableOutput.class).orElseThrow();
    }

    private static boolean sameTable(AirtableOutput a, AirtableOutput b) {
        return a.getBase().equals(b.getBase()) && a.getTable().equals(b.getTable())
                && Objects.equals(a.getExternalIdField(), b.getExternalIdField());
    }
}
