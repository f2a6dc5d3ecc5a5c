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
    return severity == other.severity && eventIndex == other.eventIndex && field == other.field &&
           code == other.code && message == other.message && unverifiedMessage == other.unverifiedMessage;
}

QJsonObject issueToJson(const Issue& issue)
{
    QJsonObject object{
        {QStringLiteral("severity"), severityName(issue.severity)},
        {QStringLiteral("path"), issue.path()},
        {QStringLiteral("field"), issue.field},
        {QStringLiteral("code"), issue.code},
        {QStringLiteral("message"), issue.message},
    };
    if (issue.eventIndex >= 0)
        object.insert(QStringLiteral("event"), issue.eventIndex);
    if (issue.unverifiedMessage)
        object.insert(QStringLiteral("unverified"), true);
    return object;
}

QJsonArray issuesToJson(const IssueList& issues)
{
    QJsonArray array;
    for (const Issue& issue : issues)
        array.append(issueToJson(issue));
    return array;
}

IssueList issuesFromJson(const QJsonArray& array)
{
    IssueList issues;
    for (const QJsonValue& value : array) {
        const QJsonObject object = value.toObject();
        const std::optional<Severity> severity =
            severityFromName(object.value(QLatin1String("severity")).toString());
        if (!severity)
            continue;
        Issue issue;
        issue.severity = *severity;
        issue.eventIndex = object.value(QLatin1String("event")).toInt(-1);
        issue.field = object.value(QLatin1String("field")).toString();
        issue.code = object.value(QLatin1String("code")).toString();
        issue.message = object.value(QLatin1String("message")).toString();
        issue.unverifiedMessage = object.value(QLatin1String("unverified")).toBool();
        issues.append(issue);
    }
    return issues;
}
