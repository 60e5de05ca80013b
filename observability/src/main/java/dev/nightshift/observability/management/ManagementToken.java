package dev.nightshift.observability.management;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;

/**
 * The operator's bearer token for the management endpoints: read from {@code Authorization: Bearer ...},
 * compared in constant time (SHA-256 of both sides, so neither content nor length shows in the timing).
 * Without a configured token nothing matches.
 */
final class ManagementToken implements AuthenticationProvider {

    /** Missing or wrong token alike: 401 with a Bearer challenge, no body, nothing said about which. */
    static final AuthenticationEntryPoint CHALLENGE = (request, response, e) -> {
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"nightshift-management\"");
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
    };

    private static final String PRINCIPAL = "operator";
    private final byte[] expected;

    ManagementToken(String token) {
        this.expected = token == null || token.isBlank() ? null : sha256(token);
    }

    /** The presented token, or null (no credential: the request goes on anonymous and is refused if it needs one). */
    static Authentication presented(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return new PreAuthenticatedAuthenticationToken(PRINCIPAL, header.substring(7).strip());
    }

    boolean matches(String presented) {
        return expected != null && presented != null && MessageDigest.isEqual(expected, sha256(presented));
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        if (!matches(String.valueOf(authentication.getCredentials()))) {
            throw new BadCredentialsException("wrong management token");
        }
        return new PreAuthenticatedAuthenticationToken(PRINCIPAL, null, List.of(new SimpleGrantedAuthority("ROLE_OPERATOR")));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return PreAuthenticatedAuthenticationToken.class.isAssignableFrom(authentication);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
