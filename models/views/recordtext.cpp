#include "recordtext.h"

#include "event/vocabulary.h"
#include "log/recordbuilder.h"
#include "search/searchrecord.h"

namespace RecordText {

std::optional<SearchRecord> searchOf(const LogRecord& record)
{
    if (record.kind != RecordKind::Search)
        return std::nullopt;
    return SearchRecord::fromJson(record.rawJson);
}

QString status(const LogRecord& record)
{
    return record.kind == RecordKind::Search ? QString(SearchWords::Status) : verdictName(verdictOf(record));
}

QString statusKey(const LogRecord& record)
{
    return record.kind == RecordKind::Search ? QString(SearchWords::Key) : verdictKey(verdictOf(record));
}

QString requestLine(const LogRecord& record)
{
    if (record.method.isEmpty())
        return record.path;
    return record.path.isEmpty() ? record.method : record.method + QLatin1Char(' ') + record.path;
}

RecordTexts of(const LogRecord& record)
{
    RecordTexts texts;
    texts.status = status(record);
    texts.statusKey = statusKey(record);
    switch (record.kind) {
    case RecordKind::Event:
        texts.type = record.eventSubtype.isEmpty()
                         ? record.eventType
                         : QString(record.eventType + QStringLiteral(" · ") + record.eventSubtype);
        texts.name = record.eventName;
        break;
    case RecordKind::Search: {
        const std::optional<SearchRecord> search = searchOf(record);
        texts.type = search ? SearchWords::hitCount(search->nbHits) : record.message;
        texts.name = SearchWords::queryText(search ? search->query : QString());
        break;
    }
    case RecordKind::Request:
        texts.type = requestLine(record);
        texts.name = record.message;
        break;
    }
    return texts;
}

QString rawRequestText(const RawRequest& raw)
{
    QString text = QString::fromUtf8(raw.method + ' ' + raw.target) + QLatin1Char('\n');
    QString headers = QString::fromUtf8(raw.headers);
    headers.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    text += headers;
    if (!headers.isEmpty() && !headers.endsWith(QLatin1Char('\n')))
        text += QLatin1Char('\n');
    text += QLatin1Char('\n');
    text += QString::fromUtf8(raw.body);
    if (raw.bodyTruncated)
        text += QStringLiteral("\n[… the body was longer: only its first %1 bytes were kept]")
                    .arg(raw.body.size());
    return text;
}

QString oneLine(const RecordTexts& texts)
{
    if (texts.name.isEmpty())
        return texts.type;
    if (texts.type.isEmpty())
        return texts.name;
    return texts.type + QStringLiteral(" · ") + texts.name;
}

} // namespace RecordText
