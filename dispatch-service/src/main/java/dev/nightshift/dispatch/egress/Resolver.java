package dev.nightshift.dispatch.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** How the proxy turns an allowed name into addresses: the system's resolver, or a test's stand-in for DNS. */
@FunctionalInterface
public interface Resolver {

    InetAddress[] resolve(String name) throws UnknownHostException;

    static Resolver system() {
        return InetAddress::getAllByName;
    }
}
