#pragma once

#include "users/testusermodel.h"

#include <QWidget>

#include <optional>

class QListView;
class QCheckBox;

// The test users workbench: create, rename, log in and out, rotate, make global, delete. The selected user
// is the one the composer's "This event only" override and the actions apply to.
class TestUsersPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TestUsersPanel)

public:
    explicit TestUsersPanel(TestUserModel* users, QWidget* parent = nullptr);
    ~TestUsersPanel() override;

    QString selectedUserId() const;
    void selectUser(const QString& id);
    // Creates a user named `label` (a default name when empty) and selects it.
    QString createUser(const QString& label = {});
    // Whether "Delete" can also reset the user's tokens on the target (DELETE /1/usertokens).
    void setRemoteResetAvailable(bool available);

    // Actions on the selected user (buttons, menu and shortcuts).
    void renameSelected();
    void logInSelected();
    void logOutSelected();
    void rotateSelected();
    void makeSelectedGlobal();
    void deleteSelected();
    // Brings back the user deleted last (its tokens on the target, if reset, stay reset).
    bool undoDelete();
    bool canUndoDelete() const { return m_deleted.has_value(); }

Q_SIGNALS:
    void selectedUserChanged(const QString& id);
    // A user was deleted; its tokens are passed so that they can be reset on the target when asked.
    void userDeleted(const QStringList& tokens, bool resetOnTarget);

private:
    struct Deleted
    {
        TestUser user;
        int row = 0;
        bool global = false;
    };
    std::optional<Deleted> m_deleted;
    TestUserModel* m_users;
    QListView* m_list = nullptr;
    QCheckBox* m_resetOnTarget = nullptr;
};
