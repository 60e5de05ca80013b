package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Path;

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
                Bubblewrap b = Bubblewrap.forThisProcess(s.runAsUid(), s.readOnlyPaths().stream().map(Path::of).toList(),
                                properties.workspacesRoot(), properties.keepWorkspaces(), egress)
                        .orElseThrow(() -> new IllegalStateException(
                                "nightshift.dispatch.sandbox.kind=bubblewrap but 'bwrap' is not on PATH: install it "
                                        + "(apt-get install -y bubblewrap), or choose no isolation explicitly with kind none"));
                if (b.cgroups() == null) {
                    log.warn("memory and process limits are not enforced per run: no writable cgroup v1 memory and pids "
                            + "controllers here (they need root); CPU time, file size, open files, workspace and /tmp limits apply");
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
