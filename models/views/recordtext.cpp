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

namespace {

// The phrases of the statuses a request is refused with (insights-api.md §1.4, §9), for messages too long
// for a cell: each as short as the name column's sample event name.
struct StatusPhrase
{
    int status;
    const char* phrase;
};
constexpr StatusPhrase kStatusPhrases[] = {
    {400, "Bad request"},        {401, "Invalid credentials"}, {403, "Forbidden"},
    {404, "Path not supported"}, {405, "Method not allowed"},  {413, "Body too large"},
    {415, "Unsupported type"},   {431, "Headers too large"},   {501, "Not implemented"},
    {503, "Unavailable"},
};

} // namespace

QString shortReason(int httpStatus, const QString& message)
{
    const QString trimmed = message.trimmed();
    if (trimmed.size() <= kShortReasonChars && !trimmed.contains(QLatin1Char('\n')))
        return trimmed;
    for (const StatusPhrase& entry : kStatusPhrases) {
        if (entry.status == httpStatus)
            return QString::fromLatin1(entry.phrase);
    }
    QString head = trimmed.left(kShortReasonChars);
    const qsizetype space = head.lastIndexOf(QLatin1Char(' '));
    if (space > 0)
        head.truncate(space);
    return head + QStringLiteral("\u2026");
}

QStringList shortReasonSamples()
{
    // Algolia's short messages (a 400's "No events to process" is the longest), then the phrases.
    QStringList samples{QStringLiteral("No events to process"), QStringLiteral("Invalid credentials"),
                        QStringLiteral("Method Not Allowed")};
    for (const StatusPhrase& entry : kStatusPhrases)
        samples << QString::fromLatin1(entry.phrase);
    return samples;
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
        texts.cell = shortReason(record.httpStatus, record.message);
        return texts;
    }
    texts.cell = texts.name;
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
