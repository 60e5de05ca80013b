package dev.nightshift.dispatch;

import dev.nightshift.events.TrustedEvents;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class DispatchApplication {

    static {
        TrustedEvents.trust();
    }

    /** Each service reads its own {@code dispatch.yml}, so all three can share one JVM in standalone mode. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(DispatchApplication.class).properties("spring.config.name=dispatch");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
