"""swiftq: the OpenStack Zaqar v2 messaging API, stored in OpenStack Swift."""
