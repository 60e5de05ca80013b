package dev.nightshift.ingest.api;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/tasks}: run this worker on this text.
 *
 * @param idempotencyKey the caller's name for the request: the same key is the same task, published once
 */
public record NewTask(
        @NotBlank @Size(max = 63) String worker,
        @NotBlank @Size(max = 1000) String title,
        @Size(max = 100_000) String body,
        @Pattern(regexp = "[A-Za-z0-9._:-]{1,100}", message = "must be 1 to 100 letters, digits, '.', '_', ':' or '-'") String idempotencyKey) {
}
