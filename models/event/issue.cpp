#include "issue.h"

QString Issue::path() const
{
    if (eventIndex < 0)
        return field;
    QString result = QStringLiteral("events[") + QString::number(eventIndex) + QLatin1Char(']');
    if (!field.isEmpty())
        result += QLatin1Char('.') + field;
    return result;
}

bool Issue::operator==(const Issue& other) const
{
    return severity == other.severity && eventIndex == other.eventIndex && field == other.field
        && code == other.code && message == other.message && unverifiedMessage == other.unverifiedMessage;
}

QString severityName(Severity severity)
{
    switch (severity) {
    case Severity::Error:
        return QStringLiteral("error");
    case Severity::Warning:
        return QStringLiteral("warning");
    case Severity::Info:
        return QStringLiteral("info");
    }
    return {};
}

std::optional<Severity> severityFromName(QStringView name)
{
    if (name == u"error")
        return Severity::Error;
    if (name == u"warning")
        return Severity::Warning;
    if (name == u"info")
        return Severity::Info;
    return std::nullopt;
}
