// A minimal MQTT 3.1.1 client over the browser's WebSocket (MQTT over WebSocket, subprotocol "mqtt"):
// CONNECT (clean session, optional username/password), SUBSCRIBE, incoming PUBLISH at QoS 0 and 1
// (PUBACK sent), PINGREQ keep-alive and DISCONNECT. Enough for a page that listens; no library.
"use strict";

class MqttClient {
  constructor(url, { clientId, username, password, keepalive = 30 } = {}) {
    this.url = url;
    this.clientId = clientId || "page-" + Math.random().toString(16).slice(2, 10);
    this.username = username;
    this.password = password;
    this.keepalive = keepalive;  // seconds; the server drops us after 1.5x this without a packet
    this.nextId = 1;
    this.pending = new Map();  // SUBSCRIBE packet id -> {resolve, reject}
    this.buffer = new Uint8Array(0);
    this.onmessage = () => {};  // (topic, payload: Uint8Array, {qos, retain})
    this.onclose = () => {};
  }

  // Open the WebSocket and send CONNECT; resolves on CONNACK 0, rejects with the refusal's name.
  connect() {
    return new Promise((resolve, reject) => {
      this.connack = { resolve, reject };
      const ws = (this.ws = new WebSocket(this.url, ["mqtt"]));
      ws.binaryType = "arraybuffer";
      ws.onopen = () => {
        const flags = 0x02 | (this.username != null ? 0x80 : 0) | (this.password != null ? 0x40 : 0);
        const body = [...utf8("MQTT"), 4, flags, this.keepalive >> 8, this.keepalive & 255, ...utf8(this.clientId)];
        if (this.username != null) body.push(...utf8(this.username));
        if (this.password != null) body.push(...utf8(this.password));
        this.send(0x10, body);
      };
      ws.onmessage = (ev) => this.receive(new Uint8Array(ev.data));
      ws.onerror = () => reject(new Error("WebSocket error"));
      ws.onclose = (ev) => {
        clearInterval(this.pinger);
        reject(new Error("connection closed (" + ev.code + ")"));
        for (const p of this.pending.values()) p.reject(new Error("connection closed"));
        this.pending.clear();
        this.onclose(ev);
      };
    });
  }

  // SUBSCRIBE one filter; resolves with the granted QoS, rejects on the SUBACK failure code 0x80.
  subscribe(filter, qos = 1) {
    const id = this.nextId;
    this.nextId = (this.nextId % 65535) + 1;  // packet ids are 1..65535
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, filter });
      this.send(0x82, [id >> 8, id & 255, ...utf8(filter), qos]);
    });
  }

  close() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.send(0xe0, []);
    if (this.ws) this.ws.close();
  }

  send(first, body) {
    this.ws.send(new Uint8Array([first, ...remainingLength(body.length), ...body]));
  }

  // WebSocket frames need not align with MQTT packets: buffer and take every complete packet.
  receive(chunk) {
    const data = new Uint8Array(this.buffer.length + chunk.length);
    data.set(this.buffer);
    data.set(chunk, this.buffer.length);
    let at = 0;
    while (data.length - at >= 2) {
      let length = 0, mult = 1, i = at + 1, digit;
      do {
        if (i >= data.length) { this.buffer = data.slice(at); return; }
        digit = data[i++];
        length += (digit & 127) * mult;
        mult *= 128;
      } while (digit & 128);
      if (i + length > data.length) break;
      this.handle(data[at], data.subarray(i, i + length));
      at = i + length;
    }
    this.buffer = data.slice(at);
  }

  handle(first, body) {
    const type = first >> 4;
    if (type === 2) {  // CONNACK: session present, return code
      const names = ["", "unacceptable protocol version", "identifier rejected", "server unavailable",
                     "bad user name or password", "not authorized"];
      if (body[1] !== 0) return this.connack.reject(new Error("CONNACK: " + (names[body[1]] || body[1])));
      this.pinger = setInterval(() => this.send(0xc0, []), this.keepalive * 500);
      this.connack.resolve();
    } else if (type === 3) {  // PUBLISH: topic, packet id when QoS > 0, payload
      const qos = (first >> 1) & 3, retain = (first & 1) === 1;
      const topicLength = (body[0] << 8) | body[1];
      const topic = new TextDecoder().decode(body.subarray(2, 2 + topicLength));
      let at = 2 + topicLength;
      if (qos > 0) {
        if (qos === 1) this.send(0x40, [body[at], body[at + 1]]);  // PUBACK
        at += 2;
      }
      this.onmessage(topic, body.slice(at), { qos, retain });
    } else if (type === 9) {  // SUBACK: packet id, one return code per filter
      const id = (body[0] << 8) | body[1], p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (body[2] === 0x80) p.reject(new Error("subscription to " + p.filter + " refused"));
      else p.resolve(body[2]);
    }  // PINGRESP (13) needs nothing
  }
}

function utf8(text) {  // an MQTT string: two-byte big-endian length, then UTF-8 bytes
  const bytes = new TextEncoder().encode(text);
  return [bytes.length >> 8, bytes.length & 255, ...bytes];
}

function remainingLength(n) {  // 7 bits per byte, least significant first, high bit = more follows
  const out = [];
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    out.push(n > 0 ? digit | 128 : digit);
  } while (n > 0);
  return out;
}
