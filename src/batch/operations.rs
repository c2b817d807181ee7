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

fn call<'a>(
    method: Method,
    path: &'a str,
    body: Option<Vec<u8>>,
    if_match: Option<&'a str>,
) -> Call<'a> {
    Call {
        method,
        target: Target::Path(path),
        query: Vec::new(),
        body,
        if_match,
    }
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

impl Client {
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
        let mut call = call(Method::GET, &path, None, None);
        call.query = list_query(select, None);
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
        let response = self
            .send(
                &format!("create pool {id}"),
                call(Method::POST, "/pools", Client::body(body), None),
                false,
            )
            .await?;
        Ok(response.etag)
    }

    /// `PATCH /pools/{id}` with `If-Match`; the new ETag.
    pub async fn patch_pool(
        &self,
        id: &str,
        body: &impl Serialize,
        if_match: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let path = format!("/pools/{}", segment(id));
        let response = self
            .send(
                &format!("update pool {id}"),
                call(Method::PATCH, &path, Client::body(body), if_match),
                false,
            )
            .await?;
        Ok(response.etag)
    }

    /// `POST /pools/{id}/updateproperties`: a full replace of start task, packages and metadata
    /// (the service takes no condition here). Repeating it is harmless.
    pub async fn replace_pool_properties(
        &self,
        id: &str,
        body: &impl Serialize,
    ) -> Result<Option<String>, Error> {
        let path = format!("/pools/{}/updateproperties", segment(id));
        let response = self
            .send(
                &format!("replace properties of pool {id}"),
                call(Method::POST, &path, Client::body(body), None),
                true,
            )
            .await?;
        Ok(response.etag)
    }

    /// `POST /pools/{id}/resize` with `If-Match`.
    pub async fn resize_pool(
        &self,
        id: &str,
        body: &impl Serialize,
        if_match: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let path = format!("/pools/{}/resize", segment(id));
        let response = self
            .send(
                &format!("resize pool {id}"),
                call(Method::POST, &path, Client::body(body), if_match),
                false,
            )
            .await?;
        Ok(response.etag)
    }

    /// `POST /pools/{id}/enableautoscale` with `If-Match`.
    pub async fn enable_autoscale(
        &self,
        id: &str,
        body: &impl Serialize,
        if_match: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let path = format!("/pools/{}/enableautoscale", segment(id));
        let operation = format!("enable autoscale on pool {id}");
        let response = self
            .send(
                &operation,
                call(Method::POST, &path, Client::body(body), if_match),
                false,
            )
            .await?;
        Ok(response.etag)
    }

    /// `POST /pools/{id}/disableautoscale` (the service takes no condition here). Repeating it is harmless.
    pub async fn disable_autoscale(&self, id: &str) -> Result<Option<String>, Error> {
        let path = format!("/pools/{}/disableautoscale", segment(id));
        let response = self
            .send(
                &format!("disable autoscale on pool {id}"),
                call(Method::POST, &path, None, None),
                true,
            )
            .await?;
        Ok(response.etag)
    }

    /// `DELETE /pools/{id}` with `If-Match`. Repeating it is harmless.
    pub async fn delete_pool(&self, id: &str, if_match: Option<&str>) -> Result<(), Error> {
        let path = format!("/pools/{}", segment(id));
        self.send(
            &format!("delete pool {id}"),
            call(Method::DELETE, &path, None, if_match),
            true,
        )
        .await?;
        Ok(())
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
        let (settings, _) = self
            .json(
                &format!("remote login settings of node {node}"),
                call(Method::GET, &path, None, None),
            )
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
        let path = format!("/pools/{}/nodes/{}/users", segment(pool), segment(node));
        let operation = format!("add user {name} on node {node} of pool {pool}");
        self.send(
            &operation,
            call(Method::POST, &path, Client::body(body), None),
            false,
        )
        .await?;
        Ok(())
    }

    /// `PUT /pools/{id}/nodes/{node}/users/{name}`: a full replace, so repeating it is harmless.
    pub async fn replace_node_user(
        &self,
        pool: &str,
        node: &str,
        name: &str,
        body: &impl Serialize,
    ) -> Result<(), Error> {
        let path = format!(
            "/pools/{}/nodes/{}/users/{}",
            segment(pool),
            segment(node),
            segment(name)
        );
        let operation = format!("replace user {name} on node {node} of pool {pool}");
        self.send(
            &operation,
            call(Method::PUT, &path, Client::body(body), None),
            true,
        )
        .await?;
        Ok(())
    }

    /// `DELETE /pools/{id}/nodes/{node}/users/{name}`.
    pub async fn delete_node_user(&self, pool: &str, node: &str, name: &str) -> Result<(), Error> {
        let path = format!(
            "/pools/{}/nodes/{}/users/{}",
            segment(pool),
            segment(node),
            segment(name)
        );
        let operation = format!("delete user {name} on node {node} of pool {pool}");
        self.send(&operation, call(Method::DELETE, &path, None, None), true)
            .await?;
        Ok(())
    }

    /// `GET /supportedimages`, every page.
    pub async fn supported_images<T: DeserializeOwned>(&self) -> Result<Vec<T>, Error> {
        self.list("list supported images", "/supportedimages", Vec::new())
            .await
    }
}
