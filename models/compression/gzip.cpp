#include "gzip.h"

#include <QList>

#include <zlib.h>

#include <algorithm>

QByteArray gzipBody(QByteArrayView data)
{
    z_stream stream{};
    // windowBits 15 + 16: a gzip header and trailer rather than a zlib one.
    if (deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return {};
    QByteArray out(static_cast<qsizetype>(deflateBound(&stream, static_cast<uLong>(data.size()))),
                   Qt::Uninitialized);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int status = deflate(&stream, Z_FINISH);
    const auto written = static_cast<qsizetype>(stream.total_out);
    deflateEnd(&stream);
    if (status != Z_STREAM_END)
        return {};
    out.resize(written);
    return out;
}

InflateResult inflateBody(QByteArrayView compressed, qint64 maxOutput, DeflateFraming framing)
{
    z_stream stream{};
    // 32 + MAX_WBITS: accept gzip and zlib headers alike; -MAX_WBITS: no header at all.
    if (inflateInit2(&stream, framing == DeflateFraming::Raw ? -MAX_WBITS : 32 + MAX_WBITS) != Z_OK)
        return {InflateStatus::Corrupt, {}};
    InflateResult result;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    constexpr qsizetype chunk = 64 * 1024;
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        const qsizetype used = result.data.size();
        if (used >= maxOutput + 1) {
            result.status = InflateStatus::TooLarge;
            break;
        }
        const qsizetype room = std::min<qsizetype>(chunk, maxOutput + 1 - used);
        result.data.resize(used + room);
        stream.next_out = reinterpret_cast<Bytef*>(result.data.data() + used);
        stream.avail_out = static_cast<uInt>(room);
        status = inflate(&stream, Z_NO_FLUSH);
        result.data.resize(used + room - static_cast<qsizetype>(stream.avail_out));
        if (status == Z_STREAM_END)
            break;
        if (status != Z_OK || (stream.avail_in == 0 && stream.avail_out != 0)) {
            // An error, or input ended before the stream did (truncated body).
            result.status = InflateStatus::Corrupt;
            break;
        }
    }
    if (result.status == InflateStatus::Ok && result.data.size() > maxOutput)
        result.status = InflateStatus::TooLarge;
    inflateEnd(&stream);
    if (result.status != InflateStatus::Ok)
        result.data.clear();
    return result;
}

DecodedBody decodeContentEncoding(QByteArrayView contentEncoding, QByteArray body, qint64 maxOutput)
{
    DecodedBody result;
    QList<QByteArray> codings;
    for (const QByteArray& part : contentEncoding.toByteArray().split(',')) {
        const QByteArray coding = part.trimmed().toLower();
        if (!coding.isEmpty() && coding != "identity")
            codings.append(coding);
    }
    for (auto it = codings.crbegin(); it != codings.crend(); ++it) {
        if (*it != "gzip" && *it != "x-gzip" && *it != "deflate") {
            result.status = DecodedBody::Status::Unsupported;
            result.coding = *it;
            return result;
        }
    }
    for (auto it = codings.crbegin(); it != codings.crend(); ++it) {
        InflateResult inflated = inflateBody(body, maxOutput);
        if (inflated.status == InflateStatus::Corrupt && *it == "deflate")
            inflated = inflateBody(body, maxOutput, DeflateFraming::Raw);
        if (inflated.status != InflateStatus::Ok) {
            result.status = inflated.status == InflateStatus::TooLarge ? DecodedBody::Status::TooLarge
                                                                       : DecodedBody::Status::Corrupt;
            result.coding = *it;
            return result;
        }
        body = std::move(inflated.data);
    }
    result.data = std::move(body);
    return result;
}
