package dev.nightshift.dispatch.run;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.sandbox.Launch;
import dev.nightshift.events.RunFile;

/**
 * The files an agent wrote, read where it ran: its workspace may be a tmpfs that exists only inside its
 * sandbox, so a postlude lists them on stdout after the agent ends, each line behind this run's token, and
 * they are taken out of the agent's output here. The agent could print such lines itself; it could as well
 * have written the files, so a forged line tells nothing it could not.
 */
public final class RunFiles {

    private final DispatchProperties.Files caps;
    private final String token = "nightshift-file-" + UUID.randomUUID();
    private final List<RunFile> files = new ArrayList<>();
    private long contentBytes;
    private int more;
    private RunFile last;

    public RunFiles(DispatchProperties.Files caps) {
        this.caps = caps;
    }

    /**
     * For each regular file newer than the agent's start: "TOKEN file SIZE BASE64-NAME", then, for one within
     * the size cap, "TOKEN content BASE64". Names and contents are base64, so any byte survives a line.
     */
    public String postlude() {
        return "find . -type f -newer ./" + Launch.STARTED + " ! -path ./" + Launch.STARTED + " -exec sh -c '"
                + "t=$1; c=$2; shift 2; for f; do s=$(stat -c %s \"$f\"); "
                + "printf \"%s file %s %s\\n\" \"$t\" \"$s\" \"$(printf %s \"${f#./}\" | base64 -w0)\"; "
                + "if [ \"$s\" -le \"$c\" ]; then printf \"%s content %s\\n\" \"$t\" \"$(base64 -w0 < \"$f\")\"; fi; "
                + "done' nightshift-files " + token + " " + caps.maxBytes().toBytes() + " {} +";
    }

    /** Takes this line when it is one of the postlude's; false for the agent's own output. */
    public boolean accept(String line) {
        if (!line.startsWith(token + " ")) {
            return false;
        }
        String[] parts = line.substring(token.length() + 1).split(" ", 3);
        try {
            switch (parts[0]) {
                case "file" -> file(Long.parseLong(parts[1]), new String(Base64.getDecoder().decode(parts[2]), StandardCharsets.UTF_8));
                case "content" -> content(parts.length > 1 ? Base64.getDecoder().decode(parts[1]) : new byte[0]);
                default -> { }
            }
        } catch (RuntimeException malformed) {
            // a line this run's postlude did not write whole: nothing to keep
        }
        return true;
    }

    private void file(long size, String name) {
        last = null;
        if (files.size() >= caps.maxNames()) {
            more++;
            return;
        }
        last = RunFile.newBuilder().setName(name).setSizeBytes(size).build();
        files.add(last);
    }

    private void content(byte[] bytes) {
        if (last == null || bytes.length > caps.maxBytes().toBytes() || contentBytes + bytes.length > caps.maxTotal().toBytes()) {
            return;
        }
        text(bytes).ifPresent(text -> {
            last.setContent(text);
            contentBytes += bytes.length;
        });
    }

    /** The bytes as text: valid UTF-8 without NUL characters, else nothing (a binary file is listed by name). */
    private static Optional<String> text(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return text.indexOf('\0') >= 0 ? Optional.empty() : Optional.of(text);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    public List<RunFile> files() {
        return List.copyOf(files);
    }

    /** Files beyond the cap on names. */
    public int more() {
        return more;
    }
}
