from accounts import roles as role_rules


def roles(request) -> dict:
    user = request.user
    return {
        "is_center_staff": role_rules.is_staff_member(user),
        "user_roles": role_rules.user_roles(user),
    }
