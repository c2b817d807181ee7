//! The Batch operations batchform uses, one method each: the method, the path, whether a retry
//! is safe, and the conditional header where the service accepts one.

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::{Call, Client, Target};
use super::error::Error;

/// Percent-encodes one path segment (user names may hold characters a path cannot).
fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn list_query<'a>(select: Option<&str>, filter: Option<&str>) -> Vec<(&'a str, String)> {
    let mut query = Vec::new();
    if let Some(select) = select {
        query.push(("$select", select.to_string()));
    }
    if let Some(filter) = filter {
        query.push(("$filter", filter.to_string()));
    }
    query
}

/// A write: what it is called in errors, and whether repeating it is harmless.
struct Write<'a> {
    operation: String,
    method: Method,
    path: String,
    body: Option<Vec<u8>>,
    if_match: Option<&'a str>,
    idempotent: bool,
    once: bool,
}

impl Client {
    /// Sends a write; the pool's new ETag when the service gives one.
    async fn write(&self, write: Write<'_>) -> Result<Option<String>, Error> {
        let call = Call {
            method: write.method,
            target: Target::Path(&write.path),
            query: Vec::new(),
            body: write.body,
            if_match: write.if_match,
            once: write.once,
        };
        Ok(self
            .send(&write.operation, call, write.idempotent)
            .await?
            .etag)
    }

    /// `GET /pools`, every page.
    pub async fn list_pools<T: DeserializeOwned>(
        &self,
        select: Option<&str>,
    ) -> Result<Vec<T>, Error> {
        self.list("list pools", "/pools", list_query(select, None))
            .await
    }

    /// `GET /pools/{id}`; `None` when the pool does not exist.
    pub async fn get_pool<T: DeserializeOwned>(
        &self,
        id: &str,
        select: Option<&str>,
    ) -> Result<Option<(T, Option<String>)>, Error> {
        let path = format!("/pools/{}", segment(id));
        let call = Call {
            method: Method::GET,
            target: Target::Path(&path),
            query: list_query(select, None),
            body: None,
            if_match: None,
            once: false,
        };
        match self.json(&format!("get pool {id}"), call).await {
            Ok(found) => Ok(Some(found)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /pools`. Not repeated after an ambiguous failure: the caller looks first.
    pub async fn create_pool(
        &self,
        id: &str,
        body: &impl Serialize,
    ) -> Result<Option<String>, Error> {
        self.write(Write {
            operation: format!("create pool {id}"),
            method: Method::POST,
            path: "/pools".into(),
            body: Client::body(body),
            if_match: None,
            idempotent: false,
            once: false,
        })
        .await
    }

    /// `PATCH /pools/{id}` with `If-Match`.
    pub async fn patch_pool(
        &self,
        id: &str,
        body: &impl Serialize,
        if_match: Option<&str>,
    ) -> Result<Option<String>, Error> {
        self.pool_write(
            id,
            Method::PATCH,
            "",
            "update pool",
            Some(body),
            if_match,
            false,
        )
        .await
    }

    /// `POST /pools/{id}/updateproperties`: a full replace of start task, packages and metadata
    /// (the service takes no condition here). Repeating it is harmless.
    pub async fn replace_pool_properties(
        &self,
        id: &str,
        body: &impl Serialize,
    ) -> Result<Option<String>, Error> {
        // It takes no condition, so it is sent once: a repeat after a backoff would overwrite
        // whatever was written meanwhile with what was read before.
        self.write(Write {
            operation: format!("replace properties of pool {id}"),
            method: Method::POST,
            path: format!("/pools/{}/updateproperties", segment(id)),
            body: Client::body(body),
            if_match: None,
            idempotent: true,
            once: true,
        })
        .await
    }

    /// `POST /pools/{id}/resize` with `If-Match`.
    pub async fn resize_pool(
        &self,
        id: &str,
        body: &impl Serialize,
        if_match: Option<&str>,
    ) -> Result<Option<String>, Error> {
        self.pool_write(
            id,
            Method::POST,
            "/resize",
            "resize pool",
            Some(body),
            if_match,
            false,
        )
        .await
    }

    /// `POST /pools/{id}/enableautoscale` with `If-Match`.
    pub async fn enable_autoscale(
        &self,
        id: &str,
        body: &impl Serialize,
        if_match: Option<&str>,
    ) -> Result<Option<String>, Error> {
        self.pool_write(
            id,
            Method::POST,
            "/enableautoscale",
            "enable autoscale on pool",
            Some(body),
            if_match,
            false,
        )
        .await
    }

    /// `POST /pools/{id}/stopresize` with `If-Match`. Repeating it is refused (409) once the
    /// pool is steady, which the caller treats as done.
    pub async fn stop_resize(
        &self,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<Option<String>, Error> {
        self.pool_write(
            id,
            Method::POST,
            "/stopresize",
            "stop the resize of pool",
            None::<&()>,
            if_match,
            false,
        )
        .await
    }

    /// `POST /pools/{id}/disableautoscale` (the service takes no condition here). Repeating it
    /// is harmless.
    pub async fn disable_autoscale(&self, id: &str) -> Result<Option<String>, Error> {
        self.pool_write(
            id,
            Method::POST,
            "/disableautoscale",
            "disable autoscale on pool",
            None::<&()>,
            None,
            true,
        )
        .await
    }

    /// `DELETE /pools/{id}` with `If-Match`. Repeating it is harmless.
    pub async fn delete_pool(&self, id: &str, if_match: Option<&str>) -> Result<(), Error> {
        self.pool_write(
            id,
            Method::DELETE,
            "",
            "delete pool",
            None::<&()>,
            if_match,
            true,
        )
        .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pool_write(
        &self,
        id: &str,
        method: Method,
        suffix: &str,
        what: &str,
        body: Option<&impl Serialize>,
        if_match: Option<&str>,
        idempotent: bool,
    ) -> Result<Option<String>, Error> {
        self.write(Write {
            operation: format!("{what} {id}"),
            method,
            path: format!("/pools/{}{suffix}", segment(id)),
            body: body.and_then(Client::body),
            if_match,
            idempotent,
            once: false,
        })
        .await
    }

    /// `GET /pools/{id}/nodes`, every page.
    pub async fn list_nodes<T: DeserializeOwned>(
        &self,
        pool: &str,
        select: Option<&str>,
        filter: Option<&str>,
    ) -> Result<Vec<T>, Error> {
        let path = format!("/pools/{}/nodes", segment(pool));
        self.list(
            &format!("list nodes of pool {pool}"),
            &path,
            list_query(select, filter),
        )
        .await
    }

    /// `GET /pools/{id}/nodes/{node}/remoteloginsettings`.
    pub async fn remote_login_settings<T: DeserializeOwned>(
        &self,
        pool: &str,
        node: &str,
    ) -> Result<T, Error> {
        let path = format!(
            "/pools/{}/nodes/{}/remoteloginsettings",
            segment(pool),
            segment(node)
        );
        let call = Call {
            method: Method::GET,
            target: Target::Path(&path),
            query: Vec::new(),
            body: None,
            if_match: None,
            once: false,
        };
        let (settings, _) = self
            .json(&format!("remote login settings of node {node}"), call)
            .await?;
        Ok(settings)
    }

    /// `POST /pools/{id}/nodes/{node}/users`.
    pub async fn add_node_user(
        &self,
        pool: &str,
        node: &str,
        name: &str,
        body: &impl Serialize,
    ) -> Result<(), Error> {
        self.user_write(pool, node, name, Method::POST, Some(body), false)
            .await
    }

    /// `PUT /pools/{id}/nodes/{node}/users/{name}`: a full replace, so repeating it is harmless.
    pub async fn replace_node_user(
        &self,
        pool: &str,
        node: &str,
        name: &str,
        body: &impl Serialize,
    ) -> Result<(), Error> {
        self.user_write(pool, node, name, Method::PUT, Some(body), true)
            .await
    }

    /// `DELETE /pools/{id}/nodes/{node}/users/{name}`.
    pub async fn delete_node_user(&self, pool: &str, node: &str, name: &str) -> Result<(), Error> {
        self.user_write(pool, node, name, Method::DELETE, None::<&()>, true)
            .await
    }

    async fn user_write(
        &self,
        pool: &str,
        node: &str,
        name: &str,
        method: Method,
        body: Option<&impl Serialize>,
        idempotent: bool,
    ) -> Result<(), Error> {
        let (verb, suffix) = match method {
            Method::POST => ("add", String::new()),
            Method::PUT => ("replace", format!("/{}", segment(name))),
            _ => ("delete", format!("/{}", segment(name))),
        };
        self.write(Write {
            operation: format!("{verb} user {name} on node {node} of pool {pool}"),
            method,
            path: format!(
                "/pools/{}/nodes/{}/users{suffix}",
                segment(pool),
                segment(node)
            ),
            body: body.and_then(Client::body),
            if_match: None,
            idempotent,
            once: false,
        })
        .await?;
        Ok(())
    }

    /// `GET /supportedimages`, every page.
    pub async fn supported_images<T: DeserializeOwned>(&self) -> Result<Vec<T>, Error> {
        self.list("list supported images", "/supportedimages", Vec::new())
            .await
    }
}
