#pragma once

// The one gzip utility of the product (zlib): the outbox stores bodies with it, the HTTP transport sends
// them, the embedded endpoint decodes what clients send (decodeContentEncoding). Decoding is always capped,
// so that a small compressed bomb cannot make anyone allocate more than the caller's limit.

#include <QByteArray>
#include <QByteArrayView>

// gzip of `data` (level 1: the point is fewer bytes, not the smallest possible body); empty on failure.
QByteArray gzipBody(QByteArrayView data);

enum class InflateStatus
{
    Ok,
    TooLarge, // the decoded body would exceed the cap
    Corrupt,  // not a gzip/zlib stream, or a truncated one
};
struct InflateResult
{
    InflateStatus status = InflateStatus::Ok;
    QByteArray data; // empty unless Ok
};
enum class DeflateFraming
{
    GzipOrZlib, // a gzip or zlib header (detected)
    Raw,        // bare deflate data, which some clients send as "deflate" despite RFC 9110
};
// Decodes a compressed body, stopping as soon as the output would exceed `maxOutput` bytes.
InflateResult inflateBody(QByteArrayView compressed, qint64 maxOutput,
                          DeflateFraming framing = DeflateFraming::GzipOrZlib);

// A body decoded along its Content-Encoding (RFC 9110 §8.4: codings listed in the order they were applied, so
// decoded last to first): gzip, x-gzip, deflate (zlib or raw), identity, stacked ("gzip, gzip"), each stage
// through inflateBody and capped. Any other coding is Unsupported and the body
// is never parsed as if plain.
struct DecodedBody
{
    enum class Status
    {
        Ok,
        TooLarge,    // a decoded stage would exceed the cap
        Corrupt,     // not a stream of the coding it claims
        Unsupported, // a coding we do not decode (br, zstd, compress...): `coding` names it
    };
    Status status = Status::Ok;
    QByteArray data;
    QByteArray coding; // the coding that failed or is unsupported
};
DecodedBody decodeContentEncoding(QByteArrayView contentEncoding, QByteArray body, qint64 maxOutput);
