import { describe, expect, it } from 'vitest';

import {
  FrameReader,
  MAX_RESPONSE_BYTES,
  encodeApiVersionsRequest,
  parseApiVersionsResponse,
} from '../../../functions/core/probe/api-versions.js';

/** A v0 ApiVersions response payload (after the size field), built by hand. */
function responsePayload(correlationId: number, errorCode: number, apis: number[][]): Buffer {
  const b = Buffer.alloc(10 + apis.length * 6);
  b.writeInt32BE(correlationId, 0);
  b.writeInt16BE(errorCode, 4);
  b.writeInt32BE(apis.length, 6);
  apis.forEach(([key, min, max], i) => {
    b.writeInt16BE(key!, 10 + i * 6);
    b.writeInt16BE(min!, 12 + i * 6);
    b.writeInt16BE(max!, 14 + i * 6);
  });
  return b;
}

function framed(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

describe('encodeApiVersionsRequest', () => {
  it('writes size, api key 18, version 0, the correlation id and the client id', () => {
    const bytes = encodeApiVersionsRequest(0x01020304, 'kuv');
    expect(bytes.toString('hex')).toBe(
      [
        '0000000d', // size: 13 bytes follow
        '0012', // api_key 18 (ApiVersions)
        '0000', // api_version 0
        '01020304', // correlation_id
        '0003', // client_id length
        Buffer.from('kuv').toString('hex'),
      ].join(''),
    );
  });

  it('sizes the frame by the UTF-8 length of the client id', () => {
    const bytes = encodeApiVersionsRequest(7, 'prüfer');
    expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
    expect(bytes.readInt16BE(12)).toBe(Buffer.byteLength('prüfer'));
  });
});

describe('parseApiVersionsResponse', () => {
  it('accepts a response with the expected correlation id and no error', () => {
    const payload = responsePayload(42, 0, [
      [0, 3, 11],
      [18, 0, 4],
    ]);
    expect(parseApiVersionsResponse(payload, 42)).toEqual({ ok: true, apiKeys: 2 });
  });

  it('rejects another request’s correlation id', () => {
    expect(parseApiVersionsResponse(responsePayload(41, 0, []), 42)).toEqual({
      ok: false,
      error: 'EPROTO: correlation id 41, expected 42',
    });
  });

  it('names an error code the broker answered with', () => {
    expect(parseApiVersionsResponse(responsePayload(42, 35, [[18, 0, 4]]), 42)).toEqual({
      ok: false,
      error: 'KAFKA_ERROR 35 UNSUPPORTED_VERSION',
    });
    expect(parseApiVersionsResponse(responsePayload(42, 58, []), 42)).toEqual({
      ok: false,
      error: 'KAFKA_ERROR 58',
    });
  });

  it('rejects a payload too short or with an api_keys count that does not fit', () => {
    expect(parseApiVersionsResponse(Buffer.alloc(6), 0)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^EPROTO: response of 6 bytes/),
    });
    const lying = responsePayload(42, 0, [[18, 0, 4]]);
    lying.writeInt32BE(5, 6);
    expect(parseApiVersionsResponse(lying, 42)).toMatchObject({
      ok: false,
      error: 'EPROTO: api_keys count 5 does not fit the response',
    });
  });
});

describe('FrameReader', () => {
  it('returns the payload once every byte of the frame arrived, however it is split', () => {
    const frame = framed(responsePayload(9, 0, [[18, 0, 4]]));
    const reader = new FrameReader();
    expect(reader.push(frame.subarray(0, 2))).toBeNull();
    expect(reader.push(frame.subarray(2, 7))).toBeNull();
    const payload = reader.push(frame.subarray(7));
    expect(Buffer.isBuffer(payload)).toBe(true);
    expect(parseApiVersionsResponse(payload as Buffer, 9)).toEqual({ ok: true, apiKeys: 1 });
    expect(reader.received).toBe(frame.length);
  });

  it('refuses a size no ApiVersions answer has, such as an HTTP reply', () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toMatch(
      /^EPROTO: response size \d+ is not a Kafka ApiVersions answer$/,
    );
    const big = Buffer.alloc(4);
    big.writeInt32BE(MAX_RESPONSE_BYTES + 1, 0);
    expect(new FrameReader().push(big)).toMatch(/^EPROTO: response size/);
  });
});
