package dev.nightshift.dispatch.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import org.junit.jupiter.api.Test;

class ClientHelloTest {

    /** The first bytes a real TLS client (the JDK's) sends, naming {@code sni}, or no name when null. */
    static byte[] clientHello(String sni) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        SSLEngine engine = sni == null ? context.createSSLEngine() : context.createSSLEngine(sni, 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        return Arrays.copyOf(out.array(), out.position());
    }

    @Test
    void theServerNameOfARealClientHelloIsFound() throws Exception {
        byte[] hello = clientHello("api.example.com");

        assertThat(ClientHello.parse(hello, hello.length)).isEqualTo(new ClientHello.Parsed.Hello(Optional.of("api.example.com")));
    }

    @Test
    void aClientHelloWithoutServerNameSaysSo() throws Exception {
        byte[] hello = clientHello(null);

        assertThat(ClientHello.parse(hello, hello.length)).isEqualTo(new ClientHello.Parsed.Hello(Optional.empty()));
    }

    @Test
    void everyPrefixIsIncompleteNeverAnError() throws Exception {
        byte[] hello = clientHello("api.example.com");
        for (int cut = 0; cut < hello.length; cut++) {
            assertThat(ClientHello.parse(hello, cut)).as("the first " + cut + " bytes").isInstanceOf(ClientHello.Parsed.Incomplete.class);
        }
    }

    @Test
    void aHandshakeSplitOverTwoRecordsIsReassembled() throws Exception {
        byte[] hello = clientHello("api.example.com");
        int body = hello.length - 5;
        int first = body / 2;
        byte[] split = new byte[hello.length + 5];
        System.arraycopy(hello, 0, split, 0, 5 + first);
        split[3] = (byte) (first >> 8);
        split[4] = (byte) first;
        System.arraycopy(hello, 0, split, 5 + first, 3);
        split[5 + first + 3] = (byte) ((body - first) >> 8);
        split[5 + first + 4] = (byte) (body - first);
        System.arraycopy(hello, 5 + first, split, 10 + first, body - first);

        assertThat(ClientHello.parse(split, split.length)).isEqualTo(new ClientHello.Parsed.Hello(Optional.of("api.example.com")));
    }

    @Test
    void plainTextAndOtherRecordsAreNotClientHellos() {
        byte[] http = "GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n".getBytes();
        byte[] alert = {21, 3, 3, 0, 2, 2, 40};
        byte[] serverHello = {22, 3, 3, 0, 4, 2, 0, 0, 0};
        byte[] hugeRecord = {22, 3, 3, (byte) 0xff, (byte) 0xff};

        assertThat(ClientHello.parse(http, http.length)).isInstanceOf(ClientHello.Parsed.NotClientHello.class);
        assertThat(ClientHello.parse(alert, alert.length)).isInstanceOf(ClientHello.Parsed.NotClientHello.class);
        assertThat(ClientHello.parse(serverHello, serverHello.length)).isInstanceOf(ClientHello.Parsed.NotClientHello.class);
        assertThat(ClientHello.parse(hugeRecord, hugeRecord.length)).isInstanceOf(ClientHello.Parsed.NotClientHello.class);
    }

    @Test
    void lengthsThatLieAreCaughtNotFollowed() throws Exception {
        byte[] hello = clientHello("api.example.com");
        Random random = new Random(18);
        for (int i = 0; i < 20_000; i++) {
            byte[] mutated = hello.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            // any answer will do, as long as it is an answer: no exception, no read past the end
            assertThat(ClientHello.parse(mutated, mutated.length)).isNotNull();
        }
    }
}
