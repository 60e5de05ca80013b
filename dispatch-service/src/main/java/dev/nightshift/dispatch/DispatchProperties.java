package dev.nightshift.dispatch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import dev.nightshift.dispatch.budget.PriceTable;
import dev.nightshift.dispatch.egress.EgressLimits;
import dev.nightshift.dispatch.sandbox.RunLimits;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * @param workspacesRoot where each run gets its fresh workspace directory
 * @param workdirsRoot   where the workers' working-directory templates (skills, instructions) live
 * @param keepWorkspaces keep a run's workspace after it ends (for inspection); otherwise it is deleted
 * @param killGrace      between TERM and KILL when a run is stopped (wall time, cancellation, shutdown)
 * @param shutdownWait   how long stopping the service lets the runs in progress go on before handing them over
 * @param retryBackoff   the wait before a failed run's second attempt; it doubles for each further one
 * @param maxRunsInFlight agents this instance runs at once; at the limit it stops fetching tasks
 * @param leaseTtl       how long a run's lease lasts unless renewed (renewed every third of it): a run of an
 *                       instance that died is taken over this long after its last renewal
 * @param ledgerRetention how long the ledger remembers a version (Kafka deletes older entries; a dispatcher forgets
 *                       ended ones older than this): longer than any task record may be delivered or replayed again
 * @param instanceId     this instance's name in the ledger and logs; default: the host name and a random suffix
 * @param runsPartitions partitions of nightshift.runs when dispatch creates it
 * @param agents         per adapter name (claude): where its binary is
 * @param ceiling        what this dispatcher will ever run, whatever a task event asks for
 * @param sandbox        how agents are isolated
 * @param prices         USD per million tokens by model-name prefix, over the built-in list prices
 * @param spend          the daily spend ceiling all dispatchers share
 * @param files          the files an agent wrote, sent back with its finished run
 * @param gateway        the model gateway: where the providers are, how big a request may be, how long to wait
 */
@Validated
@ConfigurationProperties("nightshift.dispatch")
public record DispatchProperties(
        @NotNull Path workspacesRoot,
        Path workdirsRoot,
        @DefaultValue("false") boolean keepWorkspaces,
        @DefaultValue("3s") Duration killGrace,
        @DefaultValue("5m") Duration shutdownWait,
        @DefaultValue("30s") Duration retryBackoff,
        @DefaultValue("8") @Min(1) int maxRunsInFlight,
        @DefaultValue("15s") Duration leaseTtl,
        @DefaultValue("30d") Duration ledgerRetention,
        String instanceId,
        @DefaultValue("6") @Min(1) int runsPartitions,
        @NotEmpty Map<String, @Valid Agent> agents,
        @Valid @DefaultValue Ceiling ceiling,
        @Valid @DefaultValue Sandbox sandbox,
        @DefaultValue({}) Map<String, PriceTable.Price> prices,
        @Valid @DefaultValue Spend spend,
        @Valid @DefaultValue Files files,
        @Valid @DefaultValue Gateway gateway) {

    /**
     * The model gateway. Its credentials are not settings: it reads ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN,
     * and OPENAI_API_KEY (or CODEX_API_KEY), from dispatch's environment or from files of those names in
     * {@code credentials-directory}.
     *
     * @param anthropicUrl         the Anthropic API (https; http only to a loopback address, for a stand-in)
     * @param openaiUrl            the OpenAI API, likewise
     * @param credentialsDirectory a directory of files named like the variables (a Kubernetes Secret mounted into dispatch)
     * @param maxRequestBody       the largest request an agent may send (a whole conversation goes up with each)
     * @param connectTimeout       to reach a provider
     * @param firstByteTimeout     from a request sent to the provider's answer starting
     */
    public record Gateway(
            @DefaultValue("https://api.anthropic.com") URI anthropicUrl,
            @DefaultValue("https://api.openai.com") URI openaiUrl,
            Path credentialsDirectory,
            @DefaultValue("32MB") DataSize maxRequestBody,
            @DefaultValue("10s") Duration connectTimeout,
            @DefaultValue("10m") Duration firstByteTimeout) {
    }

    /**
     * What travels back with a finished run of the files its agent wrote (drafts for report's sinks).
     *
     * @param enabled  list them at all
     * @param maxBytes a text file up to this size comes with its content; bigger ones, and binary ones, by name
     * @param maxTotal the contents of one run together stay under this (the run event must fit a Kafka record)
     * @param maxNames at most this many names are listed; the rest are counted
     */
    public record Files(@DefaultValue("true") boolean enabled, @DefaultValue("64KB") DataSize maxBytes,
            @DefaultValue("256KB") DataSize maxTotal, @DefaultValue("200") @Min(0) int maxNames) {
    }

    /**
     * @param dailyCeilingUsd what all dispatchers together may spend (and reserve) in one day
     * @param zone            where the day begins
     */
    public record Spend(@DefaultValue("50") @Positive double dailyCeilingUsd, @DefaultValue("UTC") ZoneId zone) {
    }

    /**
     * @param binary the agent CLI: a path, or a name looked up on PATH
     * @param kind   how it is called and read: claude, codex, or command (any CLI: stdout is the result);
     *               default: the agent's name
     * @param args   for command: arguments before the prompt
     * @param prompt for command: the prompt as the last argument (the default) or on stdin
     * @param passEnv variables of dispatch's environment this agent alone gets; secret-looking names are refused
     *               unless sandbox.pass-secret-env (model keys stay in the gateway)
     */
    public record Agent(@NotBlank String binary, String kind, @DefaultValue({}) List<String> args,
            @DefaultValue("argument") PromptVia prompt, @DefaultValue({}) List<String> passEnv) {

        public String kindOr(String name) {
            return kind == null || kind.isBlank() ? name : kind;
        }
    }

    public enum PromptVia { ARGUMENT, STDIN }

    /**
     * @param adapters     adapters this dispatcher runs
     * @param allowedTools tools an agent may be granted; "*" allows any
     * @param maxWallTime  the longest budget accepted for one attempt
     * @param maxAttempts  the most attempts accepted for one task
     * @param networks     the network modes a worker may choose (none, allowlist, host)
     * @param limits       the most a worker may ask for
     * @param maxCostUsd   the largest max-cost-usd accepted for one run
     * @param defaultCostUsd the budget of a run whose worker sets no max-cost-usd
     * @param maxOutput    what one run may print; past it the run is stopped and fails
     */
    public record Ceiling(
            @DefaultValue({"claude", "codex"}) List<String> adapters,
            @DefaultValue({"Read", "Write", "Edit", "MultiEdit", "Glob", "Grep", "LS", "TodoWrite", "WebSearch", "WebFetch"}) List<String> allowedTools,
            @DefaultValue("1h") Duration maxWallTime,
            @DefaultValue("3") @Min(1) int maxAttempts,
            // host shares the host's network (its loopback, the broker, every management port): an operator adds it
            @DefaultValue({"none", "allowlist"}) List<NetworkMode> networks,
            @Valid @DefaultValue MaxLimits limits,
            @DefaultValue("20") @Positive double maxCostUsd,
            @DefaultValue("2") @Positive double defaultCostUsd,
            @DefaultValue("16MB") DataSize maxOutput) {

        public Ceiling {
            if (maxWallTime == null || maxWallTime.isNegative() || maxWallTime.isZero()) {
                throw new IllegalArgumentException("nightshift.dispatch.ceiling.max-wall-time must be positive, is " + maxWallTime);
            }
            if (maxOutput != null && maxOutput.toBytes() <= 0) {
                throw new IllegalArgumentException("nightshift.dispatch.ceiling.max-output must be positive, is " + maxOutput);
            }
        }
    }

    public enum NetworkMode { NONE, ALLOWLIST, HOST }

    public enum LimitsMechanism { AUTO, CGROUP_V2, CGROUP_V1, RLIMITS }

    /** What a run gets unless its worker asks for other limits: see {@link RunLimits}. */
    public record DefaultLimits(
            @DefaultValue("4GB") DataSize memory,
            @DefaultValue("512") @Min(16) int processes,
            @DefaultValue("30m") Duration cpuTime,
            @DefaultValue("1GB") DataSize fileSize,
            @DefaultValue("4096") @Min(64) int openFiles,
            @DefaultValue("2GB") DataSize workspace,
            @DefaultValue("1GB") DataSize tmp) {

        public DefaultLimits {
            new RunLimits(memory, processes, cpuTime, fileSize, openFiles, workspace, tmp).requirePositive("nightshift.dispatch.sandbox.limits");
        }

        public RunLimits toRunLimits() {
            return new RunLimits(memory, processes, cpuTime, fileSize, openFiles, workspace, tmp);
        }
    }

    /** The most a worker may ask for: see {@link RunLimits}. */
    public record MaxLimits(
            @DefaultValue("8GB") DataSize memory,
            @DefaultValue("2048") int processes,
            @DefaultValue("2h") Duration cpuTime,
            @DefaultValue("8GB") DataSize fileSize,
            @DefaultValue("65536") int openFiles,
            @DefaultValue("8GB") DataSize workspace,
            @DefaultValue("4GB") DataSize tmp) {

        public MaxLimits {
            new RunLimits(memory, processes, cpuTime, fileSize, openFiles, workspace, tmp).requirePositive("nightshift.dispatch.ceiling.limits");
        }

        public RunLimits toRunLimits() {
            return new RunLimits(memory, processes, cpuTime, fileSize, openFiles, workspace, tmp);
        }
    }

    /**
     * @param kind          bubblewrap (the default) or none (a plain subprocess, no isolation: only when chosen explicitly)
     * @param network       the network of workers that name none: allowlist (the default), none, or host
     * @param allowHosts    names every allowlist run may reach besides its worker's own (none by default: the
     *                      model APIs are reached through the model gateway, never directly)
     * @param pinnedHosts   names the egress proxy resolves to these addresses instead of asking DNS (an internal
     *                      gateway); private addresses are allowed for these only
     * @param limits        what a run gets unless its worker asks for other limits
     * @param runAsUid      the uid agents run as when dispatch itself runs as root
     * @param readOnlyPaths host paths visible read-only inside the sandbox
     * @param passEnv       names of dispatch's environment variables handed to every agent; secret-looking names
     *                      are refused
     * @param passSecretEnv allow secret-looking names in pass-env and agents.NAME.pass-env all the same
     * @param seccomp       agents run under a seccomp filter denying io_uring, keyrings, bpf, perf, ptrace, mounts
     *                      and namespaces (see SeccompFilter)
     * @param limitsMechanism how each run's memory and processes are bounded: auto (the first that works of
     *                      cgroup-v2, cgroup-v1, rlimits), or one of them (start-up fails if it cannot work here)
     * @param slotUidBase   under rlimits as root, run slot N's agents run as this uid + N
     * @param egress        what one run may hold of the egress proxy: connections, head and idle timeouts
     */
    public record Sandbox(
            @DefaultValue("bubblewrap") Kind kind,
            @DefaultValue("allowlist") NetworkMode network,
            @DefaultValue({}) List<String> allowHosts,
            @DefaultValue({}) Map<String, String> pinnedHosts,
            @Valid @DefaultValue DefaultLimits limits,
            @DefaultValue("65534") int runAsUid,
            @DefaultValue({"/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc/alternatives", "/etc/ssl", "/etc/ca-certificates",
                    "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/localtime"}) List<String> readOnlyPaths,
            @DefaultValue({}) List<String> passEnv,
            @DefaultValue("false") boolean passSecretEnv,
            @DefaultValue("true") boolean seccomp,
            @DefaultValue("auto") LimitsMechanism limitsMechanism,
            @DefaultValue("100000") @Min(1) int slotUidBase,
            @DefaultValue EgressLimits egress) {

        public enum Kind { BUBBLEWRAP, NONE }
    }
}
