package dev.nightshift.dispatch.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** How to start one agent process: the full argv, its environment, its working directory. */
public record Launch(List<String> argv, Map<String, String> environment, Path directory) {
}
