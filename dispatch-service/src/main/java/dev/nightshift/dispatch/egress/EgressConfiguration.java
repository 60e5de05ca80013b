package dev.nightshift.dispatch.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import com.google.common.net.InetAddresses;
import dev.nightshift.dispatch.DispatchProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The egress proxy from {@code nightshift.dispatch.sandbox.*}, its settings checked at start-up, each naming itself. */
@Configuration
class EgressConfiguration {

    private static final String SANDBOX = "nightshift.dispatch.sandbox.";

    @Bean(destroyMethod = "close")
    EgressProxy egressProxy(DispatchProperties properties, MeterRegistry meters) throws IOException {
        DispatchProperties.Sandbox s = properties.sandbox();
        try {
            EgressRules.check(s.allowHosts());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SANDBOX + "allow-hosts: " + e.getMessage(), e);
        }
        Map<String, InetAddress> pinned = new HashMap<>();
        s.pinnedHosts().forEach((name, address) -> {
            String setting = SANDBOX + "pinned-hosts." + name;
            if (!ConnectTarget.validName(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(setting + ": '" + ConnectTarget.sanitized(name) + "' is not a host name");
            }
            if (!InetAddresses.isInetAddress(address)) {
                throw new IllegalArgumentException(setting + " must be an IP address, not '" + ConnectTarget.sanitized(address) + "'");
            }
            pinned.put(name.toLowerCase(Locale.ROOT), InetAddresses.forString(address));
        });
        return new EgressProxy(pinned, s.egress(), Resolver.system(), meters);
    }
}
