package dev.nightshift.dispatch.sandbox;

import java.io.IOException;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.egress.EgressProxy;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class SandboxConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SandboxConfiguration.class);

    /** Fails start-up, naming the setting, when the chosen sandbox cannot work on this machine. */
    @Bean
    Sandbox sandbox(DispatchProperties properties, EgressProxy egress) throws IOException {
        DispatchProperties.Sandbox s = properties.sandbox();
        return switch (s.kind()) {
            case NONE -> {
                log.warn("nightshift.dispatch.sandbox.kind=none: agents run as plain subprocesses with this service's rights");
                yield new Unsandboxed(properties.workspacesRoot(), properties.keepWorkspaces());
            }
            case BUBBLEWRAP -> {
                Bubblewrap b = Bubblewrap.forThisProcess(s, properties.workspacesRoot(), properties.keepWorkspaces(), egress)
                        .orElseThrow(() -> new IllegalStateException(
                                "nightshift.dispatch.sandbox.kind=bubblewrap but 'bwrap' is not on PATH: install it "
                                        + "(apt-get install -y bubblewrap), or choose no isolation explicitly with kind none"));
                log.info("per-run limits: {}", b.limiter().describe());
                if (b.seccomp() == null) {
                    log.warn("nightshift.dispatch.sandbox.seccomp=false: agents run without a seccomp filter (io_uring, bpf, "
                            + "keyrings, perf events, ptrace and mounts are as open as the kernel leaves them)");
                }
                if (properties.keepWorkspaces()) {
                    log.warn("nightshift.dispatch.keep-workspaces=true: workspaces are host directories, not bounded in size");
                }
                yield b;
            }
        };
    }

    @Bean
    AgentProcess agentProcess(DispatchProperties properties) {
        return AgentProcess.fromPath(properties.ceiling().maxOutput().toBytes());
    }
}
