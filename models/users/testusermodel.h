#pragma once

#include "event/issue.h"

#include <QAbstractListModel>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

// A named test user: the tokens a tester's "shopper" sends events with.
struct TestUser
{
    QString id; // stable identifier (UUID), not sent anywhere
    QString label;
    QString userToken;              // the anonymous token
    QString authenticatedUserToken; // set while "logged in"
    QString colour;                 // "#rrggbb", the user's lane colour in the live table

    bool isLoggedIn() const { return !authenticatedUserToken.isEmpty(); }
    bool operator==(const TestUser& other) const;
};

// The test users of the workbench, persisted as a JSON file in the data folder after every change.
// One of them may be the global user: its tokens go into events that carry no per-event override.
class TestUserModel final : public QAbstractListModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TestUserModel)

public:
    enum Role
    {
        IdRole = Qt::UserRole + 1,
        UserTokenRole,
        AuthenticatedUserTokenRole,
        ColourRole, // QString "#rrggbb"
        IsGlobalRole,
        TokenIssuesRole, // QString: what is wrong with the tokens (personal data, format), empty when fine
    };

    // `filePath` is the JSON file; it is read at once when it exists.
    explicit TestUserModel(QString filePath, QObject* parent = nullptr);
    ~TestUserModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    // The label is editable in place (views rename a user with F2 or a double click).
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    // The error of the last load or save, empty when it went well.
    QString lastError() const { return m_lastError; }
    // What was wrong with the file when it was read, for the window: it could not be parsed (and was kept
    // aside as `name.broken-<time>`), or could not be read (and is then never saved over). Empty when fine.
    QString loadProblem() const { return m_loadProblem; }
    QString filePath() const { return m_filePath; }

    const QList<TestUser>& users() const { return m_users; }
    std::optional<TestUser> user(const QString& id) const;
    int rowOf(const QString& id) const;

    // A new anonymous user; returns its id.
    QString create(const QString& label);
    bool rename(const QString& id, const QString& label);
    bool logIn(const QString& id, const QString& authenticatedUserToken);
    bool logOut(const QString& id);
    // Gives the user a new anonymous token (as when cookies are cleared) and logs it out.
    bool rotate(const QString& id);
    bool setColour(const QString& id, const QString& colour);
    bool remove(const QString& id);
    // Puts a removed user back, with its id and tokens, at `row` (undo of remove()).
    bool restore(const TestUser& user, int row, bool global);

    QString globalUserId() const { return m_globalUserId; }
    std::optional<TestUser> globalUser() const;
    bool setGlobalUser(const QString& id); // empty id: no global user

    // "anonymous-<uuid v4>", as search-insights generates.
    static QString newAnonymousToken();
    // What the shared validator says about these tokens (errors and warnings on userToken or
    // authenticatedUserToken, e.g. a token that looks like an email address). Empty when nothing.
    static IssueList tokenIssues(const QString& userToken, const QString& authenticatedUserToken);

Q_SIGNALS:
    void globalUserChanged(const QString& id);

private:
    void load();
    void save();
    bool update(const QString& id, const std::function<void(TestUser&)>& change);
    QString nextColour() const;

    QString m_filePath;
    QList<TestUser> m_users;
    QString m_globalUserId;
    QString m_lastError;
    QString m_loadProblem;
    bool m_saveRefused = false; // the file exists but could not be read: never replace it
};
