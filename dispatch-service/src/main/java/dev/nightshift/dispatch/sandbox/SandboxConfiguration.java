package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Path;

import dev.nightshift.dispatch.DispatchProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class SandboxConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SandboxConfiguration.class);

    /** Fails start-up, naming the setting, when the chosen sandbox cannot work on this machine. */
    @Bean
    Sandbox sandbox(DispatchProperties properties) throws IOException {
        DispatchProperties.Sandbox s = properties.sandbox();
        return switch (s.kind()) {
            case NONE -> {
                log.warn("nightshift.dispatch.sandbox.kind=none: agents run as plain subprocesses with this service's rights");
                yield new Unsandboxed();
            }
            case BUBBLEWRAP -> {
                yield Bubblewrap.forThisProcess(s.runAsUid(), s.network(), s.readOnlyPaths().stream().map(Path::of).toList())
                        .orElseThrow(() -> new IllegalStateException(
                                "nightshift.dispatch.sandbox.kind=bubblewrap but 'bwrap' is not on PATH: "
                                        + "install it (apt-get install -y bubblewrap) or set the kind to none for development"));
            }
        };
    }

    @Bean
    AgentProcess agentProcess() {
        return AgentProcess.fromPath();
    }
}
