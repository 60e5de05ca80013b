package dev.nightshift.ingest.routing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The workers, loaded from YAML and validated as a whole: a catalogue with one bad worker does not
 * load, and the error names the worker and the field.
 */
public final class WorkerCatalogue {

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // outputs: {todoist: ...} (the form before outputs became a list) reads as a list of one
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .build();

    private final List<Worker> workers;

    public WorkerCatalogue(List<Worker> workers) {
        this.workers = List.copyOf(workers);
    }

    public static WorkerCatalogue load(Path file) {
        if (!Files.isReadable(file)) {
            throw new InvalidCatalogueException(file + ": worker catalogue not found or not readable (setting nightshift.ingest.workers-file)");
        }
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new InvalidCatalogueException(file + ": " + e.getMessage());
        } catch (InvalidCatalogueException e) {
            throw new InvalidCatalogueException(file + ": " + e.getMessage());
        }
    }

    public static WorkerCatalogue parse(String yaml) {
        CatalogueYaml doc;
        try {
            doc = YAML.readValue(yaml, CatalogueYaml.class);
        } catch (JacksonException e) {
            throw new InvalidCatalogueException("not a valid worker catalogue: " + e.getOriginalMessage()
                    + " at " + e.getPathReference());
        }
        if (doc == null || doc.workers() == null || doc.workers().isEmpty()) {
            throw new InvalidCatalogueException("no workers: the file needs a non-empty 'workers' list");
        }
        List<Worker> workers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < doc.workers().size(); i++) {
            CatalogueYaml.WorkerYaml w = doc.workers().get(i);
            String at = "workers[" + i + "]" + (w.name() == null ? "" : " (" + w.name() + ")");
            try {
                Worker worker = w.toWorker();
                if (!names.add(worker.name())) {
                    throw new IllegalArgumentException("name '" + worker.name() + "' is used twice");
                }
                workers.add(worker);
            } catch (IllegalArgumentException e) {
                throw new InvalidCatalogueException(at + ": " + e.getMessage());
            }
        }
        return new WorkerCatalogue(workers);
    }

    public List<Worker> workers() {
        return workers;
    }

    /** The first worker, in catalogue order, whose trigger is of the given kind and matches. */
    public <T extends Trigger> Optional<Worker> find(Class<T> kind, Predicate<T> matches) {
        return workers.stream()
                .filter(w -> kind.isInstance(w.trigger()) && matches.test(kind.cast(w.trigger())))
                .findFirst();
    }

    public static final class InvalidCatalogueException extends RuntimeException {
        public InvalidCatalogueException(String message) {
            super(message);
        }
    }
}
