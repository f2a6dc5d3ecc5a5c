#include "testusermodel.h"

#include "datafolder/userfile.h"
#include "event/event.h"
#include "event/eventkind.h"
#include "event/validator.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QUuid>

#include <algorithm>
#include <utility>

namespace {

// Distinct on light and dark backgrounds; new users take the first one not in use.
const QStringList& laneColours()
{
    static const QStringList colours = {
        QStringLiteral("#1f77b4"), QStringLiteral("#d62728"), QStringLiteral("#2ca02c"),
        QStringLiteral("#ff7f0e"), QStringLiteral("#9467bd"), QStringLiteral("#17becf"),
        QStringLiteral("#e377c2"), QStringLiteral("#8c564b"), QStringLiteral("#bcbd22"),
        QStringLiteral("#7f7f7f"),
    };
    return colours;
}

constexpr int kFileVersion = 1;
// Far above any real set of test users (100,000 users take about 20 MB); a bigger file is not ours.
constexpr qint64 kMaxFileBytes = 256 * 1024 * 1024;

// The first lane colour not in `used`; when all are, they cycle with the number of users.
QString colourNotIn(const QSet<QString>& used, qsizetype userCount)
{
    const QStringList& colours = laneColours();
    for (const QString& colour : colours) {
        if (!used.contains(colour))
            return colour;
    }
    return colours.at(userCount % colours.size());
}

} // namespace

bool TestUser::operator==(const TestUser& other) const
{
    return id == other.id && label == other.label && userToken == other.userToken &&
           authenticatedUserToken == other.authenticatedUserToken && colour == other.colour;
}

TestUserModel::TestUserModel(QString filePath, QObject* parent)
    : QAbstractListModel(parent)
    , m_filePath(std::move(filePath))
{
    load();
}

TestUserModel::~TestUserModel() = default;

int TestUserModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_users.size());
}

QVariant TestUserModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TestUser& user = m_users.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        return user.label;
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("userToken: ") + user.userToken;
        if (user.isLoggedIn())
            tip += QStringLiteral("\nauthenticatedUserToken: ") + user.authenticatedUserToken;
        const IssueList issues = tokenIssues(user.userToken, user.authenticatedUserToken);
        for (const Issue& issue : issues)
            tip += QStringLiteral("\n\u26a0 ") + issue.field + QStringLiteral(": ") + issue.message;
        return tip;
    }
    case IdRole:
        return user.id;
    case UserTokenRole:
        return user.userToken;
    case AuthenticatedUserTokenRole:
        return user.authenticatedUserToken;
    case ColourRole:
        return user.colour;
    case IsGlobalRole:
        return user.id == m_globalUserId;
    case TokenIssuesRole: {
        QStringList lines;
        const IssueList issues = tokenIssues(user.userToken, user.authenticatedUserToken);
        for (const Issue& issue : issues)
            lines << issue.field + QStringLiteral(": ") + issue.message;
        return lines.join(QLatin1Char('\n'));
    }
    default:
        return {};
    }
}

QHash<int, QByteArray> TestUserModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, QByteArrayLiteral("id"));
    names.insert(UserTokenRole, QByteArrayLiteral("userToken"));
    names.insert(AuthenticatedUserTokenRole, QByteArrayLiteral("authenticatedUserToken"));
    names.insert(ColourRole, QByteArrayLiteral("colour"));
    names.insert(IsGlobalRole, QByteArrayLiteral("isGlobal"));
    names.insert(TokenIssuesRole, QByteArrayLiteral("tokenIssues"));
    return names;
}

Qt::ItemFlags TestUserModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags result = QAbstractListModel::flags(index);
    if (index.isValid())
        result |= Qt::ItemIsEditable;
    return result;
}

bool TestUserModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole ||
        !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    return rename(m_users.at(index.row()).id, value.toString());
}

std::optional<TestUser> TestUserModel::user(const QString& id) const
{
    const int row = rowOf(id);
    if (row < 0)
        return std::nullopt;
    return m_users.at(row);
}

int TestUserModel::rowOf(const QString& id) const
{
    for (int row = 0; row < m_users.size(); ++row) {
        if (m_users.at(row).id == id)
            return row;
    }
    return -1;
}

QString TestUserModel::create(const QString& label)
{
    TestUser user;
    user.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    user.label =
        label.trimmed().isEmpty() ? QStringLiteral("Test user %1").arg(m_users.size() + 1) : label.trimmed();
    user.userToken = newAnonymousToken();
    user.colour = nextColour();
    const int row = static_cast<int>(m_users.size());
    beginInsertRows({}, row, row);
    m_users.append(user);
    endInsertRows();
    save();
    return user.id;
}

bool TestUserModel::update(const QString& id, const std::function<void(TestUser&)>& change)
{
    const int row = rowOf(id);
    if (row < 0)
        return false;
    TestUser changed = m_users.at(row);
    change(changed);
    if (changed == m_users.at(row))
        return true;
    m_users[row] = changed;
    const QModelIndex at = index(row);
    Q_EMIT dataChanged(at, at);
    save();
    return true;
}

bool TestUserModel::rename(const QString& id, const QString& label)
{
    if (label.trimmed().isEmpty())
        return false;
    return update(id, [&](TestUser& user) { user.label = label.trimmed(); });
}

bool TestUserModel::logIn(const QString& id, const QString& authenticatedUserToken)
{
    if (authenticatedUserToken.trimmed().isEmpty())
        return false;
    return update(id,
                  [&](TestUser& user) { user.authenticatedUserToken = authenticatedUserToken.trimmed(); });
}

bool TestUserModel::logOut(const QString& id)
{
    return update(id, [](TestUser& user) { user.authenticatedUserToken.clear(); });
}

bool TestUserModel::rotate(const QString& id)
{
    return update(id, [](TestUser& user) {
        user.userToken = newAnonymousToken();
        user.authenticatedUserToken.clear();
    });
}

bool TestUserModel::setColour(const QString& id, const QString& colour)
{
    return update(id, [&](TestUser& user) { user.colour = colour; });
}

bool TestUserModel::remove(const QString& id)
{
    const int row = rowOf(id);
    if (row < 0)
        return false;
    beginRemoveRows({}, row, row);
    m_users.removeAt(row);
    endRemoveRows();
    if (m_globalUserId == id) {
        m_globalUserId.clear();
        Q_EMIT globalUserChanged(m_globalUserId);
    }
    save();
    return true;
}

bool TestUserModel::restore(const TestUser& user, int row, bool global)
{
    if (user.id.isEmpty() || rowOf(user.id) >= 0)
        return false;
    const int at = std::clamp(row, 0, static_cast<int>(m_users.size()));
    beginInsertRows({}, at, at);
    m_users.insert(at, user);
    endInsertRows();
    if (global)
        setGlobalUser(user.id); // saves
    else
        save();
    return true;
}

std::optional<TestUser> TestUserModel::globalUser() const
{
    return user(m_globalUserId);
}

bool TestUserModel::setGlobalUser(const QString& id)
{
    if (!id.isEmpty() && rowOf(id) < 0)
        return false;
    if (id == m_globalUserId)
        return true;
    const int oldRow = rowOf(m_globalUserId);
    m_globalUserId = id;
    for (const int row : {oldRow, rowOf(id)}) {
        if (row >= 0)
            Q_EMIT dataChanged(index(row), index(row), {IsGlobalRole});
    }
    save();
    Q_EMIT globalUserChanged(m_globalUserId);
    return true;
}

QString TestUserModel::newAnonymousToken()
{
    return QStringLiteral("anonymous-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
}

IssueList TestUserModel::tokenIssues(const QString& userToken, const QString& authenticatedUserToken)
{
    // A probe event that is valid in every other respect, so that only the tokens' findings come back:
    // the rules live in the validator alone.
    Event probe = eventOfKind(EventKind::ViewedObjectIDs);
    probe.eventName = QStringLiteral("Token check");
    probe.index = QStringLiteral("probe");
    probe.objectIDs = QStringList{QStringLiteral("probe")};
    probe.userToken = userToken;
    if (!authenticatedUserToken.isEmpty())
        probe.authenticatedUserToken = authenticatedUserToken;
    ValidationContext context;
    context.nowMs = QDateTime::currentMSecsSinceEpoch();
    probe.timestamp = context.nowMs;
    const BatchVerdict verdict = Validator::validateEvents({probe}, context);
    IssueList issues;
    for (const Issue& issue : verdict.allIssues()) {
        if (issue.field.startsWith(QLatin1String("userToken")) ||
            issue.field.startsWith(QLatin1String("authenticatedUserToken")))
            issues.append(issue);
    }
    return issues;
}

QString TestUserModel::nextColour() const
{
    QSet<QString> used;
    for (const TestUser& user : m_users)
        used.insert(user.colour);
    return colourNotIn(used, m_users.size());
}

void TestUserModel::load()
{
    const UserFile::ReadResult read = UserFile::read(m_filePath, kMaxFileBytes);
    if (read.missing)
        return;
    if (!read.bytes) {
        m_loadProblem = read.problem + QStringLiteral("; test users will not be saved until it can be read");
        m_lastError = m_loadProblem;
        m_saveRefused = true;
        UserFile::report(m_loadProblem);
        return;
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(*read.bytes, &parseError);
    const QJsonValue usersValue = document.object().value(QLatin1String("users"));
    if (parseError.error != QJsonParseError::NoError || !document.isObject() || !usersValue.isArray()) {
        const QString why =
            parseError.error != QJsonParseError::NoError
                ? QStringLiteral("%1 at byte %2").arg(parseError.errorString()).arg(parseError.offset)
                : QStringLiteral("not an object with a \"users\" array");
        const UserFile::SetAside aside = UserFile::setAside(m_filePath, why);
        m_loadProblem = aside.message;
        m_lastError = m_loadProblem;
        m_saveRefused = aside.keptAs.isEmpty();
        return;
    }
    const QJsonObject root = document.object();
    beginResetModel();
    m_users.clear();
    const QJsonArray users = usersValue.toArray();
    m_users.reserve(users.size());
    // Ids seen so far, and colours in use: one lookup per user, not a scan of the users before it.
    QSet<QString> ids;
    ids.reserve(users.size());
    QList<TestUser> withoutColour;
    for (const QJsonValue& value : users) {
        const QJsonObject object = value.toObject();
        TestUser user;
        user.id = object.value(QLatin1String("id")).toString();
        user.label = object.value(QLatin1String("label")).toString();
        user.userToken = object.value(QLatin1String("userToken")).toString();
        user.authenticatedUserToken = object.value(QLatin1String("authenticatedUserToken")).toString();
        user.colour = object.value(QLatin1String("colour")).toString();
        if (user.id.isEmpty() || ids.contains(user.id))
            continue;
        ids.insert(user.id);
        if (user.userToken.isEmpty())
            user.userToken = newAnonymousToken();
        m_users.append(user);
    }
    QSet<QString> colours;
    for (const TestUser& user : std::as_const(m_users))
        colours.insert(user.colour);
    for (qsizetype row = 0; row < m_users.size(); ++row) {
        TestUser& user = m_users[row];
        if (user.colour.isEmpty()) {
            user.colour = colourNotIn(colours, row);
            colours.insert(user.colour);
        }
    }
    m_globalUserId = root.value(QLatin1String("globalUserId")).toString();
    if (!ids.contains(m_globalUserId))
        m_globalUserId.clear();
    endResetModel();
}

void TestUserModel::save()
{
    if (m_saveRefused) {
        m_lastError = m_loadProblem;
        return;
    }
    QJsonArray users;
    for (const TestUser& user : std::as_const(m_users)) {
        QJsonObject object{
            {QLatin1String("id"), user.id},
            {QLatin1String("label"), user.label},
            {QLatin1String("userToken"), user.userToken},
            {QLatin1String("colour"), user.colour},
        };
        if (!user.authenticatedUserToken.isEmpty())
            object.insert(QLatin1String("authenticatedUserToken"), user.authenticatedUserToken);
        users.append(object);
    }
    const QJsonObject root{
        {QLatin1String("version"), kFileVersion},
        {QLatin1String("globalUserId"), m_globalUserId},
        {QLatin1String("users"), users},
    };
    m_lastError = UserFile::writeAtomically(m_filePath, QJsonDocument(root).toJson());
}
